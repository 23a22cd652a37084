import type { EmailConfig } from '../../config/schema.ts';
import type { OutboundMessage } from '../message.ts';

/** relay's own operational events: their summary lists their fields. */
const RELAY_SOURCE = 'relay';

export interface ComposedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  attachments: {
    filename: string;
    content: Buffer;
    contentType: string;
    contentTransferEncoding: 'base64';
  }[];
}

/**
 * Pure: one event as a mail. The subject and summary are for a person
 * skimming an inbox; the body goes attached, byte for byte, for whoever
 * needs the payload. The Message-ID is the same on every retry and replay
 * of one event to one endpoint, so a mail client can hide repeats as a
 * receiver dedupes on `webhook-id`.
 */
export function composeMail(
  endpoint: string,
  email: EmailConfig,
  message: OutboundMessage,
  nowMs: number,
): ComposedMail {
  const contentType = message.contentType ?? 'application/octet-stream';
  const details = message.source === RELAY_SOURCE ? operationalDetails(message.body) : undefined;
  const about = typeof details?.endpoint === 'string' ? `: ${details.endpoint}` : '';
  const received = eventTime(message.eventId);
  const lines = [
    `relay received an event from ${message.source} and forwards it to you by e-mail.`,
    '',
    ...aligned([
      ['source', message.source],
      ['type', message.type],
      ['event id', message.eventId],
      ...(received === undefined ? [] : [['received', new Date(received).toISOString()] as [string, string]]),
      ['sent', new Date(nowMs).toISOString()],
      ['attempt', String(message.attempts + 1)],
    ]),
  ];
  if (details) lines.push('', ...detailLines(details));
  lines.push('', `The event's body is attached (${message.body.length} bytes, ${contentType}).`);
  const domain = email.from.slice(email.from.lastIndexOf('@') + 1);
  return {
    from: email.from,
    to: email.to,
    subject: `[relay] ${message.source} ${message.type}${about}`,
    text: `${lines.join('\n')}\n`,
    messageId: `<${message.eventId}.${endpoint}@${domain}>`,
    headers: {
      'X-Relay-Event-Id': message.eventId,
      'X-Relay-Source': message.source,
      'X-Relay-Type': message.type,
      'X-Relay-Attempt': String(message.attempts + 1),
    },
    attachments: [
      {
        filename: `${message.eventId}.${extensionOf(contentType)}`,
        content: message.body,
        contentType,
        // Base64 whatever the type, so the attachment decodes to exactly the stored bytes.
        contentTransferEncoding: 'base64',
      },
    ],
  };
}

/**
 * When the event was received: event ids are `evt_` and a UUIDv7 (made by
 * ingest, which dispatch does not import), whose first 48 bits are that time.
 */
function eventTime(eventId: string): number | undefined {
  const match = /^evt_([0-9a-f]{8})-([0-9a-f]{4})-7/i.exec(eventId);
  return match ? Number.parseInt(match[1]! + match[2]!, 16) : undefined;
}

function operationalDetails(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The event's own fields, scalars first; `delivery.dead`'s list of deliveries one line each. */
function detailLines(details: Record<string, unknown>): string[] {
  const scalars: [string, string][] = [];
  const lists: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (key === 'type') continue;
    if (Array.isArray(value)) {
      lists.push('', `${key}:`, ...value.map((item) => `  - ${inline(item)}`));
    } else {
      scalars.push([key, inline(value)]);
    }
  }
  return [...aligned(scalars), ...lists];
}

function inline(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, v]) => `${key} ${inline(v)}`)
      .join(', ');
  }
  return String(value);
}

function aligned(rows: [string, string][]): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`);
}

function extensionOf(contentType: string): string {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media === 'application/json' || media.endsWith('+json')) return 'json';
  if (media.endsWith('/xml') || media.endsWith('+xml')) return 'xml';
  if (media.startsWith('text/') || media === 'application/x-www-form-urlencoded') return 'txt';
  return 'bin';
}

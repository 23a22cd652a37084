import type { EndpointConfig } from '../config/schema.ts';
import { signDelivery } from '../signing/outbound.ts';
import type { ClaimedDelivery } from '../store/store.ts';

/** What an outbound request is built from: a claimed delivery, or the admin API's test sample. */
export type OutboundMessage = Pick<
  ClaimedDelivery,
  'eventId' | 'source' | 'type' | 'contentType' | 'body' | 'attempts'
>;

/**
 * The headers and body of one attempt. The endpoint's own headers go first so
 * they can never replace the protocol's: `webhook-id` is the event id (the same
 * on every retry and replay, for receivers that dedupe), `webhook-timestamp`
 * is this attempt's time.
 */
export function buildRequest(
  endpoint: EndpointConfig,
  message: OutboundMessage,
  nowMs: number,
  userAgent: string,
): { headers: Record<string, string>; body: Buffer } {
  const timestampSec = Math.floor(nowMs / 1000);
  const contentType = message.contentType;
  const signed = signDelivery(endpoint.signing, {
    id: message.eventId,
    timestampSec,
    body: message.body,
    contentType,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = value;
  if (contentType !== undefined) headers['content-type'] = contentType;
  headers['user-agent'] = userAgent;
  headers['webhook-id'] = message.eventId;
  headers['webhook-timestamp'] = String(timestampSec);
  headers['x-relay-source'] = message.source;
  headers['x-relay-type'] = message.type;
  headers['x-relay-attempt'] = String(message.attempts + 1);
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { headers, body: signed.body };
}

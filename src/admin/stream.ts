import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import {
  type AttemptMessage,
  attemptChannel,
  type SettledMessage,
  type StateMessage,
  settledChannel,
  stateChannel,
} from '../dispatch/observe.ts';
import { RelayError } from '../errors.ts';
import { type ReceivedMessage, receivedChannel } from '../ingest/observe.ts';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import { iso } from './body.ts';

export const STREAM_EVENT_TYPES = [
  'event.received',
  'delivery.attempted',
  'delivery.completed',
  'endpoint.state',
] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

export interface StreamLimits {
  /** Past this many open streams a new one is refused (503). */
  maxClients: number;
  /** A reader whose unsent output would pass this many bytes is dropped. */
  bufferBytes: number;
  /** How often a `: ping` comment goes out, so proxies keep an idle stream open. */
  heartbeatMs: number;
}

/** 16 readers of at most 1 MiB each: a stream can never hold more than 16 MiB of relay's memory. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxClients: 16,
  bufferBytes: 1024 * 1024,
  heartbeatMs: 15_000,
};

interface Reader {
  res: ServerResponse;
  types: ReadonlySet<StreamEventType>;
  /** Only what concerns these endpoints; undefined: every endpoint. */
  endpoints: ReadonlySet<string> | undefined;
}

/** One stream message: its type, the endpoints it concerns (for `?endpoint=`), and its data. */
interface Message {
  type: StreamEventType;
  endpoints: readonly string[];
  data: Record<string, unknown>;
}

/**
 * `GET /admin/stream`: what relay does as it happens, as Server-Sent Events,
 * from the diagnostics channels ingest and dispatch publish on. Each message
 * is serialized once for every reader. A reader is never waited for: what it
 * has not read stays in its socket's buffer, and once that would pass
 * `bufferBytes` its connection is cut, so a stalled reader costs a bounded
 * amount of memory and no delivery ever waits on it. The channels are
 * subscribed only while someone reads, so without readers publishing costs
 * nothing.
 */
export class StreamHub {
  private readonly readers = new Set<Reader>();
  private readonly limits: StreamLimits;
  private readonly metrics: RelayMetrics;
  private readonly log: Logger;
  /** Monotonic for the life of the process: the `id:` of each message. */
  private lastId = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners: [string, (message: unknown) => void][] = [
    [String(receivedChannel.name), (m) => this.publish(received(m as ReceivedMessage))],
    [String(attemptChannel.name), (m) => this.publish(attempted(m as AttemptMessage))],
    [String(settledChannel.name), (m) => this.publish(completed(m as SettledMessage))],
    [String(stateChannel.name), (m) => this.publish(state(m as StateMessage))],
  ];

  constructor(deps: { metrics: RelayMetrics; log: Logger; limits?: Partial<StreamLimits> }) {
    this.metrics = deps.metrics;
    this.log = deps.log;
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...deps.limits };
  }

  /** Answers one stream request and keeps it open; `?types=a,b` and `?endpoint=e,f` narrow it. */
  open(res: ServerResponse, query: URLSearchParams): void {
    if (this.closed) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'relay is shutting down');
    const reader: Reader = {
      res,
      types: typesOf(query.get('types')),
      endpoints: listOf(query.get('endpoint')),
    };
    if (this.readers.size >= this.limits.maxClients) {
      throw new RelayError(
        'RELAY_ERR_UNAVAILABLE',
        `${this.limits.maxClients} streams are open already: try again later`,
      );
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx buffers answers unless told not to, which would hold the stream back.
      'x-accel-buffering': 'no',
    });
    res.write(': relay stream\n\n');
    this.readers.add(reader);
    this.metrics.streamClients.set(this.readers.size);
    if (this.readers.size === 1) this.start();
    res.on('close', () => this.remove(reader));
  }

  /** Ends every stream (cutting those with unread output) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const reader of [...this.readers]) {
      this.remove(reader);
      // A reader that has not taken what it was sent would keep the socket, and shutdown, waiting.
      if (reader.res.writableLength > 0) reader.res.destroy();
      else reader.res.end();
    }
  }

  /** Called inside the publisher's call (a dispatcher completing an attempt): never throws into it. */
  private publish(message: Message | undefined): void {
    if (!message) return;
    try {
      this.send(message);
    } catch (error) {
      this.log.error({ err: error }, 'could not write to the stream');
    }
  }

  private send(message: Message): void {
    const text = `id: ${++this.lastId}\nevent: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`;
    for (const reader of [...this.readers]) {
      if (!reader.types.has(message.type)) continue;
      if (reader.endpoints && !message.endpoints.some((e) => reader.endpoints!.has(e))) continue;
      this.write(reader, text);
    }
  }

  private write(reader: Reader, text: string): void {
    const { res } = reader;
    if (res.destroyed) {
      this.remove(reader);
      return;
    }
    if (res.writableLength + Buffer.byteLength(text) <= this.limits.bufferBytes) {
      res.write(text);
      return;
    }
    this.remove(reader);
    this.metrics.streamDropped.inc();
    this.log.warn(
      { buffered: res.writableLength, limit: this.limits.bufferBytes, peer: res.socket?.remoteAddress },
      'stream reader too slow: dropped',
    );
    res.destroy();
  }

  private remove(reader: Reader): void {
    if (!this.readers.delete(reader)) return;
    this.metrics.streamClients.set(this.readers.size);
    if (this.readers.size === 0) this.stop();
  }

  private start(): void {
    for (const [name, listener] of this.listeners) subscribe(name, listener);
    this.heartbeat = setInterval(() => {
      for (const reader of [...this.readers]) this.write(reader, ': ping\n\n');
    }, this.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  private stop(): void {
    for (const [name, listener] of this.listeners) unsubscribe(name, listener);
    clearInterval(this.heartbeat);
  }
}

function received(m: ReceivedMessage): Message {
  return {
    type: 'event.received',
    endpoints: m.endpoints,
    data: {
      event_id: m.eventId,
      source: m.source,
      type: m.type,
      received_at: iso(m.receivedAt),
      endpoints: m.endpoints,
    },
  };
}

function attempted(m: AttemptMessage): Message {
  return {
    type: 'delivery.attempted',
    endpoints: [m.endpoint],
    data: {
      ...deliveryOf(m),
      attempt: m.attempt,
      status: m.status ?? null,
      error: m.error ?? null,
      duration_ms: Math.round(m.durationMs),
    },
  };
}

/** Only outcomes the store took: a refused one was claimed again, and that attempt will tell. */
function completed(m: SettledMessage): Message | undefined {
  if (!m.applied) return undefined;
  const { settlement } = m;
  return {
    type: 'delivery.completed',
    endpoints: [m.endpoint],
    data: {
      ...deliveryOf(m),
      result: settlement.kind,
      ...(settlement.kind === 'retry' ? { next_attempt_at: iso(settlement.at) } : {}),
      ...(settlement.kind === 'paused' ? { paused_until: iso(settlement.until) } : {}),
    },
  };
}

/** What every delivery message starts with: which delivery of which event, to where. */
function deliveryOf(m: AttemptMessage | SettledMessage) {
  return { endpoint: m.endpoint, delivery_id: m.deliveryId, event_id: m.eventId };
}

function state(m: StateMessage): Message {
  return {
    type: 'endpoint.state',
    endpoints: [m.endpoint],
    data: { endpoint: m.endpoint, from: m.from, to: m.to, reason: m.reason },
  };
}

function listOf(value: string | null): Set<string> | undefined {
  const items = value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items?.length ? new Set(items) : undefined;
}

function typesOf(value: string | null): Set<StreamEventType> {
  const asked = listOf(value);
  if (!asked) return new Set(STREAM_EVENT_TYPES);
  const unknown = [...asked].filter((t) => !(STREAM_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new RelayError('RELAY_ERR_BAD_REQUEST', `unknown stream event type: ${unknown.join(', ')}`, {
      problems: unknown.map((t) => `types: '${t}' is not one of ${STREAM_EVENT_TYPES.join(', ')}`),
    });
  }
  return asked as Set<StreamEventType>;
}

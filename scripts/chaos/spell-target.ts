/**
 * The cluster chaos run's target: one node:http server on 127.0.0.1 whose
 * path names the endpoint (`/e1`). It fails in spells (500 for `spellMs`
 * every `everyMs`), as a real receiver does during a deploy, and records
 * every request: which endpoint, which event, which relay sent it (the
 * `x-chaos-relay` header each relay's config adds) and how many requests that
 * endpoint had in flight at once, whichever relay sent them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SENDER_HEADER = 'x-chaos-relay';

export interface Attempt {
  endpoint: string;
  eventId: string;
  sender: string;
  /** Epoch ms when the request had been read. */
  at: number;
}

export interface SpellTarget {
  url: string;
  attempts: Attempt[];
  /** 2xx answers sent in full, per `${endpoint} ${eventId}`. */
  accepted: Map<string, number>;
  /** The most requests each endpoint had in flight at once. */
  maxInFlight: Map<string, number>;
  close(): Promise<void>;
}

export interface SpellOptions {
  everyMs: number;
  spellMs: number;
  /** Each answer waits up to this long (at random), so requests overlap as real ones do. */
  maxAnswerMs: number;
}

export const deliveryKey = (endpoint: string, eventId: string) => `${endpoint} ${eventId}`;

export async function startSpellTarget(options: SpellOptions): Promise<SpellTarget> {
  const started = Date.now();
  const inFlight = new Map<string, number>();
  const target: SpellTarget = {
    url: '',
    attempts: [],
    accepted: new Map(),
    maxInFlight: new Map(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const endpoint = (req.url ?? '/').slice(1);
    const now = (inFlight.get(endpoint) ?? 0) + 1;
    inFlight.set(endpoint, now);
    target.maxInFlight.set(endpoint, Math.max(target.maxInFlight.get(endpoint) ?? 0, now));
    res.on('close', () => inFlight.set(endpoint, (inFlight.get(endpoint) ?? 1) - 1));
    const eventId = String(req.headers['webhook-id']);
    res.on('finish', () => {
      if (res.statusCode >= 300) return;
      const key = deliveryKey(endpoint, eventId);
      target.accepted.set(key, (target.accepted.get(key) ?? 0) + 1);
    });
    req.resume();
    req.on('end', () => {
      target.attempts.push({ endpoint, eventId, sender: String(req.headers[SENDER_HEADER]), at: Date.now() });
      const failing = (Date.now() - started) % options.everyMs < options.spellMs;
      const timer = setTimeout(
        () => res.writeHead(failing ? 500 : 200).end(),
        Math.random() * options.maxAnswerMs,
      );
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return target;
}

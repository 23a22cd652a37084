import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface Received {
  n: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** What the target does with one request; `hold` keeps it open until released or the socket closes. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  | { hold: true }
  | { trickle: string; intervalMs: number }
  | { destroy: true }
  /** Promises a body, sends part of it, then closes the connection. */
  | { cutoff: true }
  /** Answers after a delay. */
  | { status: number; afterMs: number };

export type Script = (request: Received) => Reply;

export interface Target {
  url: string;
  /** The reply script; may be replaced mid-test. */
  script: Script;
  requests: Received[];
  /** Requests being handled right now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  /** The most requests seen at once on each path (or each group, with `options.group`). */
  maxInFlightByPath: Map<string, number>;
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number, predicate?: (r: Received) => boolean): Promise<Received[]>;
  /** Resolves once `done(requests)` holds, checked on every arrival (rejects after `timeoutMs`). */
  until(done: (requests: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Waits until a request carrying each of `ids` as its webhook-id has arrived,
   * or `timeoutMs` passes; resolves with the ids that never arrived.
   */
  missing(ids: Iterable<string>, timeoutMs?: number): Promise<string[]>;
  /** Answers every held request with this status (and headers). */
  releaseHeld(status?: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

const targets: Target[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((target) => target.close()));
});

/** A real HTTP server on 127.0.0.1:0 whose reply is scripted per request. */
export async function startTarget(
  script: Script = () => ({ status: 200 }),
  /** `group`: what in-flight requests are counted by (the path unless said), e.g. an ordering key in the body. */
  options: { group?: (request: Received) => string } = {},
): Promise<Target> {
  const groupOf = options.group ?? ((request: Received) => request.path);
  const requests: Received[] = [];
  const pathInFlight = new Map<string, number>();
  const held: ServerResponse[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Received = {
        n: requests.length + 1,
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: Date.now(),
      };
      requests.push(received);
      target.inFlight++;
      target.maxInFlight = Math.max(target.maxInFlight, target.inFlight);
      const group = groupOf(received);
      const onPath = (pathInFlight.get(group) ?? 0) + 1;
      pathInFlight.set(group, onPath);
      target.maxInFlightByPath.set(group, Math.max(target.maxInFlightByPath.get(group) ?? 0, onPath));
      res.on('close', () => {
        target.inFlight--;
        pathInFlight.set(group, pathInFlight.get(group)! - 1);
      });
      for (const wake of waiters) wake();
      answer(target.script(received), res);
    });
  });
  const answer = (reply: Reply, res: ServerResponse) => {
    if ('hold' in reply) {
      held.push(res);
    } else if ('destroy' in reply) {
      res.socket?.destroy();
    } else if ('cutoff' in reply) {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.socket?.destroy());
    } else if ('afterMs' in reply) {
      const timer = setTimeout(() => {
        if (!res.destroyed) {
          res.writeHead(reply.status);
          res.end();
        }
      }, reply.afterMs);
      res.on('close', () => clearTimeout(timer));
    } else if ('trickle' in reply) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const timer = setInterval(() => {
        if (i >= reply.trickle.length || res.destroyed) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(reply.trickle[i++]);
      }, reply.intervalMs);
      res.on('close', () => clearInterval(timer));
    } else {
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const target: Target = {
    url: `http://127.0.0.1:${port}`,
    script,
    requests,
    inFlight: 0,
    maxInFlight: 0,
    maxInFlightByPath: new Map(),
    async waitFor(count, timeoutMs = 15_000, predicate = () => true) {
      await target
        .until((all) => all.filter(predicate).length >= count, timeoutMs)
        .catch(() => {
          throw new Error(`target saw ${requests.filter(predicate).length} of ${count} requests`);
        });
      return requests.filter(predicate);
    },
    async missing(ids, timeoutMs = 15_000) {
      const wanted = [...ids];
      const absent = () => {
        const seen = new Set(requests.map((r) => r.headers['webhook-id']));
        return wanted.filter((id) => !seen.has(id));
      };
      await target.until(() => absent().length === 0, timeoutMs).catch(() => {});
      return absent();
    },
    until(done, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(requests)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error('target: condition not met in time'));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    releaseHeld(status = 200, headers = {}) {
      for (const res of held.splice(0)) {
        if (!res.destroyed) {
          res.writeHead(status, headers);
          res.end();
        }
      }
    },
    async close() {
      for (const res of held.splice(0)) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  targets.push(target);
  return target;
}

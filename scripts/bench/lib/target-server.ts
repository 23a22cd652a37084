/**
 * The benchmark's target (the receiving endpoint), run as its own process so
 * its CPU is not the load generator's. node:http, answering 200 at once once
 * the body is read; paths under /hang/ never answer (a dead endpoint). It
 * counts what arrives and measures received → delivered from the send time
 * stamped into each body's first bytes (see bodies.ts).
 *
 * Controlled over the IPC channel by target.ts: `reset`, `stats`.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sentAtOf } from './bodies.ts';
import { Samples, wallMs } from './stats.ts';

export interface TargetStats {
  /** Requests answered 200 since the last reset. */
  received: number;
  /** Requests left hanging (paths under /hang/). */
  hung: number;
  firstAt: number;
  lastAt: number;
}

export type TargetRequest = { id: number; op: 'reset' } | { id: number; op: 'stats'; latency: boolean };

let stats: TargetStats = { received: 0, hung: 0, firstAt: 0, lastAt: 0 };
const latency = new Samples();
const hanging = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.url?.startsWith('/hang/')) {
    stats.hung++;
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
    req.resume();
    return;
  }
  let first: Buffer | undefined;
  req.on('data', (chunk: Buffer) => {
    first ??= chunk;
  });
  req.on('end', () => {
    const now = wallMs();
    res.writeHead(200, { 'content-length': '0' });
    res.end();
    if (stats.received++ === 0) stats.firstAt = now;
    stats.lastAt = now;
    const sentAt = first ? sentAtOf(first) : Number.NaN;
    if (!Number.isNaN(sentAt)) latency.push(now - sentAt);
  });
});
// Longer than any client's keep-alive, so clients close idle sockets first.
server.keepAliveTimeout = 30_000;
server.headersTimeout = 60_000;
server.requestTimeout = 0;

server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: (server.address() as AddressInfo).port });
});

process.on('message', (message: TargetRequest) => {
  switch (message.op) {
    case 'reset':
      stats = { received: 0, hung: 0, firstAt: 0, lastAt: 0 };
      latency.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
      process.send?.({ id: message.id, result: null });
      return;
    case 'stats':
      process.send?.({
        id: message.id,
        result: { ...stats, latency: message.latency ? latency.summary() : undefined },
      });
      return;
  }
});

// Stops with the harness, whatever happens to it.
process.on('disconnect', () => process.exit(0));

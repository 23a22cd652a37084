/**
 * The naive forwarder (ref-naive-server.ts) with its outbound HTTP on a
 * worker thread: the main thread reads each request and answers it, the
 * worker (ref-naive-threaded-worker.ts) forwards it. What crosses between
 * them is batched per event-loop turn, as relay would batch a turn's
 * deliveries for lanes on a worker. `npm run bench:threads` runs the two
 * side by side, so the difference is the cost, or the gain, of that split.
 *
 *   node ref-naive-threaded-server.ts <target origin> <path> <connections>
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Answered, Forward } from './ref-naive-threaded-worker.ts';

const [origin, path, connections] = process.argv.slice(2) as [string, string, string];
const worker = new Worker(new URL('./ref-naive-threaded-worker.ts', import.meta.url), {
  workerData: { origin, path, connections: Number(connections) },
});
const waiting = new Map<number, ServerResponse>();
let nextId = 0;
let outbox: Forward[] = [];

worker.on('message', (answered: Answered[]) => {
  for (const [id, status] of answered) {
    waiting
      .get(id)
      ?.writeHead(status >= 200 && status < 300 ? 200 : 502)
      .end();
    waiting.delete(id);
  }
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const id = nextId++;
    waiting.set(id, res);
    if (outbox.length === 0)
      setImmediate(() => {
        worker.postMessage(outbox);
        outbox = [];
      });
    outbox.push([id, req.headers['content-type'] ?? 'application/octet-stream', Buffer.concat(chunks)]);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));

/**
 * Reference 3's process: what many Node teams build instead of adopting a
 * relay. HTTP ingest → BullMQ `queue.add` (answered once Redis has the job;
 * Redis appends to its AOF and fsyncs every second) → a Worker in the same
 * process that POSTs each job with undici and lets BullMQ retry it on any
 * answer but 2xx. The peer gets its cheapest common settings: finished jobs
 * are removed at once (relay keeps its history for `storage.retention`).
 *
 *   node ref-bullmq-peer.ts <redis port> <target origin> <path> <concurrency>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Pool } from 'undici';

const [redisPort, origin, path, concurrency] = process.argv.slice(2) as [string, string, string, string];
const connection = { host: '127.0.0.1', port: Number(redisPort), maxRetriesPerRequest: null };
const pool = new Pool(origin, { connections: Number(concurrency), keepAliveTimeout: 4_000 });

interface Job {
  body: string;
  contentType: string;
}

const queue = new Queue<Job>('webhooks', {
  connection,
  defaultJobOptions: {
    attempts: 11,
    backoff: { type: 'exponential', delay: 5_000 },
    removeOnComplete: true,
    removeOnFail: { count: 10_000 },
  },
});

const worker = new Worker<Job>(
  'webhooks',
  async (job) => {
    const answer = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': job.data.contentType, 'webhook-id': job.id ?? '' },
      body: job.data.body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await answer.body.dump();
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw new Error(`HTTP ${answer.statusCode}`);
  },
  { connection, concurrency: Number(concurrency) },
);
worker.on('error', () => {});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    queue
      .add('event', {
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'] ?? 'application/octet-stream',
      })
      .then((job) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: job.id }));
      })
      .catch(() => res.writeHead(503).end());
  });
});
server.keepAliveTimeout = 30_000;

await worker.waitUntilReady();
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));

const stop = () => {
  server.close();
  void Promise.allSettled([worker.close(true), queue.close(), pool.close()]).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);

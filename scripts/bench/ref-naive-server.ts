/**
 * Reference 2's process: a naive in-memory forwarder. node:http in, undici
 * out, nothing stored: each request is forwarded to the target and answered
 * once the target has answered. It does the HTTP work a relay does and
 * nothing else, so relay's rate as a fraction of its rate is the cost of
 * durability, routing and bookkeeping.
 *
 *   node ref-naive-server.ts <target origin> <path> <connections>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const [origin, path, connections] = process.argv.slice(2) as [string, string, string];
const pool = new Pool(origin, { connections: Number(connections), keepAliveTimeout: 4_000 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    pool
      .request({
        path,
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
        body: Buffer.concat(chunks),
      })
      .then(async (answer) => {
        await answer.body.dump();
        res.writeHead(answer.statusCode >= 200 && answer.statusCode < 300 ? 200 : 502).end();
      })
      .catch(() => res.writeHead(502).end());
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));

/**
 * Reference 2's process: a naive in-memory forwarder. node:http in, undici
 * out, nothing stored: each request is forwarded to the target and answered
 * once the target has answered. It does the HTTP work a relay does and
 * nothing else, so relay's rate as a fraction of its rate is the cost of
 * durability, routing and bookkeeping. With a fan-out of n it forwards each
 * request to `<path>/0` … `<path>/<n-1>` and answers once all have answered:
 * the HTTP work of relay's fan-out scenario and nothing else.
 *
 *   node ref-naive-server.ts <target origin> <path> <connections> [<fan-out>]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const [origin, path, connections, fanout = '1'] = process.argv.slice(2) as [string, string, string, string?];
const pool = new Pool(origin, { connections: Number(connections), keepAliveTimeout: 4_000 });
const paths =
  Number(fanout) === 1 ? [path] : Array.from({ length: Number(fanout) }, (_, k) => `${path}/${k}`);

/** Forwards one body to one path; true when the target answered 2xx. */
async function forward(to: string, contentType: string, body: Buffer): Promise<boolean> {
  const answer = await pool.request({
    path: to,
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  await answer.body.dump();
  return answer.statusCode >= 200 && answer.statusCode < 300;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const contentType = req.headers['content-type'] ?? 'application/octet-stream';
    const body = Buffer.concat(chunks);
    Promise.all(paths.map((to) => forward(to, contentType, body)))
      .then((answers) => res.writeHead(answers.every(Boolean) ? 200 : 502).end())
      .catch(() => res.writeHead(502).end());
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));

/**
 * Bounds, not peers: node:http in, each request's body written through
 * relay's own SQLite store (the same enqueue, group commit and WAL sync
 * relay runs) and answered 202 once committed, and nothing else: no
 * routing, validation, limits, metrics or logs: what storing as relay
 * stores costs on one event loop with nothing around it. Given a target,
 * each stored body is then also forwarded (undici, as the naive forwarder
 * does) and its outcome written nowhere: less than relay must do end to end.
 * Not a strict ceiling (relay's own work per loop turn lets more requests
 * gather into a commit), but a rate far above it is not one relay's
 * per-request work stands in the way of.
 *
 *   node ref-store-only-server.ts <database dir> <full | normal> [<target origin> <path> <connections>]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';

const [dir, durability, origin, path, connections] = process.argv.slice(2) as [
  string,
  'full' | 'normal',
  string | undefined,
  string | undefined,
  string | undefined,
];
const store = await openSqliteStore({ path: join(dir, 'relay.db'), durability, minFreeDisk: () => 0 });
const pool = origin
  ? new Pool(origin, { connections: Number(connections), keepAliveTimeout: 4_000 })
  : undefined;

function forward(contentType: string, body: Buffer): void {
  pool
    ?.request({ path: path!, method: 'POST', headers: { 'content-type': contentType }, body })
    .then((answer) => answer.body.dump())
    .catch(() => {});
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const contentType = req.headers['content-type'] ?? 'application/json';
    const body = Buffer.concat(chunks);
    store
      .enqueue({
        id: `evt_${randomUUID()}`,
        source: 'app',
        type: 'receive',
        receivedAt: Date.now(),
        contentType,
        body,
        endpoints: ['sink'],
        idempotency: undefined,
      })
      .then(() => {
        res.writeHead(202).end();
        forward(contentType, body);
      })
      .catch(() => res.writeHead(503).end());
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
process.on('disconnect', () => {
  void store.close().finally(() => process.exit(0));
});

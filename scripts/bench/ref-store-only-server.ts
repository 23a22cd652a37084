/**
 * A bound for scenario 1, not a peer: node:http in, each request's body
 * written through relay's own SQLite store (the same enqueue, group commit
 * and WAL sync relay runs) and answered 202 once committed, and nothing
 * else: no routing, validation, limits, metrics or logs. Its rate over the
 * bare target's is the most an ingest of this store on one event loop can
 * reach here, whatever relay's own per-request work costs.
 *
 *   node ref-store-only-server.ts <database dir> <full | normal>
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';

const [dir, durability] = process.argv.slice(2) as [string, 'full' | 'normal'];
const store = await openSqliteStore({ path: join(dir, 'relay.db'), durability, minFreeDisk: () => 0 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    store
      .enqueue({
        id: `evt_${randomUUID()}`,
        source: 'app',
        type: 'receive',
        receivedAt: Date.now(),
        contentType: req.headers['content-type'] ?? 'application/json',
        body: Buffer.concat(chunks),
        endpoints: ['sink'],
        idempotency: undefined,
      })
      .then(() => res.writeHead(202).end())
      .catch(() => res.writeHead(503).end());
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
process.on('disconnect', () => {
  void store.close().finally(() => process.exit(0));
});

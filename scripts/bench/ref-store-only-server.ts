/**
 * Bounds, not peers: node:http in, each request's body written through
 * relay's own SQLite store (the same enqueue, group commit and WAL sync
 * relay runs, the same wait for company) and answered 202 once committed, and nothing else: no
 * routing, validation, limits, metrics or logs: what storing as relay
 * stores costs on one event loop with nothing around it. Given a target,
 * each stored event's deliveries are stored claimed (as relay's hand-off
 * stores them), then sent (undici, as the naive forwarder sends) and each
 * answer written back as relay's completion writes it (delivered, with its
 * attempt; a tick's completions in one call): what relay's store must do
 * per delivery, with no routing, retries, signing, metrics or logs. With a
 * fan-out of n, each event is stored with n deliveries, sent to
 * `<path>/0` … `<path>/<n-1>`.
 * Not a strict ceiling (relay's own work per loop turn lets more requests
 * gather into a commit), but a rate far above it is not one relay's
 * per-request work stands in the way of.
 *
 *   node ref-store-only-server.ts <database dir> <full | normal> [<target origin> <path> <connections> <fan-out>]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';
import { IngestCompany } from '../../src/ingest/company.ts';
import type { ClaimedDelivery } from '../../src/store/claims.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { outcomeWriter } from './lib/outcomes.ts';

const [dir, durability, origin, path, connections, fanout = '1'] = process.argv.slice(2) as [
  string,
  'full' | 'normal',
  string | undefined,
  string | undefined,
  string | undefined,
  string?,
];
const sinks = Array.from({ length: Number(fanout) }, (_, k) => `sink${k}`);
const paths = Number(fanout) === 1 ? [path!] : sinks.map((_, k) => `${path}/${k}`);
const pathOf = new Map(sinks.map((sink, k) => [sink, paths[k]!]));
const store = await openSqliteStore({ path: join(dir, 'relay.db'), durability, minFreeDisk: () => 0 });
const pool = origin
  ? new Pool(origin, { connections: Number(connections), keepAliveTimeout: 4_000 })
  : undefined;

const recordOutcome = outcomeWriter(store, (done) => void done.catch(() => {}));

function send(to: string, contentType: string, body: Buffer, delivery: ClaimedDelivery): void {
  const startedAt = Date.now();
  pool!
    .request({ path: to, method: 'POST', headers: { 'content-type': contentType }, body })
    .then(async (answer) => {
      await answer.body.dump();
      recordOutcome(delivery, startedAt, answer.statusCode);
    })
    .catch(() => {});
}

// Its events wait for company as relay's do (ingest/company.ts): the same store behaviour.
const company = new IngestCompany();
const server = createServer((req, res) => {
  company.enter(req, res);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const contentType = req.headers['content-type'] ?? 'application/json';
    const body = Buffer.concat(chunks);
    const receivedAt = Date.now();
    store
      .enqueue(
        {
          id: `evt_${randomUUID()}`,
          source: 'app',
          type: 'receive',
          receivedAt,
          contentType,
          body,
          endpoints: sinks,
          idempotency: undefined,
          ...(pool ? { lease: { endpoints: sinks, until: receivedAt + 60_000 } } : {}),
        },
        { linger: company.expected() },
      )
      .then((stored) => {
        res.writeHead(202).end();
        if (!pool || stored.duplicateOf !== undefined) return;
        for (const delivery of stored.leased)
          send(pathOf.get(delivery.endpoint)!, contentType, body, delivery);
      })
      .catch(() => res.writeHead(503).end());
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: (server.address() as AddressInfo).port }));
process.on('disconnect', () => {
  void store.close().finally(() => process.exit(0));
});

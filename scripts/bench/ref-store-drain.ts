/**
 * A bound for scenario 5, not a peer: a backlog drained through relay's own
 * SQLite store by the least a dispatcher can do. It claims what its slots
 * leave free (`store.claim`, as relay's lanes ask), sends each delivery
 * (undici, as the naive forwarder sends) and writes each answer back through
 * `store.complete` (a tick's in one call, as relay's completer batches
 * them), claiming again as slots come free. No retries, pauses, rate
 * limits, signing, metrics, logs, and no ingest beside the drain: less than
 * relay does while it drains. It starts draining once ready; the harness
 * stops it once the target has every delivery.
 *
 *   node ref-store-drain.ts <database path> <endpoint> <target origin> <path> <slots>
 */
import { Pool } from 'undici';
import type { ClaimedDelivery } from '../../src/store/claims.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import { outcomeWriter } from './lib/outcomes.ts';

const [dbPath, endpoint, origin, path, slotArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const slots = Number(slotArg);
const store = await openSqliteStore({ path: dbPath, durability: 'full', minFreeDisk: () => 0 });
const pool = new Pool(origin, { connections: slots, keepAliveTimeout: 4_000 });
const LEASE_MS = 60_000;

let inFlight = 0;
let claiming = false;
let exhausted = false;

const recordOutcome = outcomeWriter(store, (done) => void done.catch(fail));

function pump(): void {
  if (claiming || exhausted || inFlight >= slots) return;
  claiming = true;
  const now = Date.now();
  store
    .claim([{ endpoint, fresh: slots - inFlight, retries: 0, leaseUntil: now + LEASE_MS }], now)
    .then(([claim]) => {
      claiming = false;
      for (const delivery of claim!.fresh) send(delivery);
      // With nothing ingested beside the drain, an exhausted claim means the backlog is all claimed.
      if (claim!.exhausted) exhausted = true;
      else pump();
    }, fail);
}

function send(delivery: ClaimedDelivery): void {
  inFlight++;
  const startedAt = Date.now();
  pool
    .request({
      path,
      method: 'POST',
      headers: { 'content-type': delivery.contentType ?? 'application/octet-stream' },
      body: delivery.body,
    })
    .then(async (answer) => {
      await answer.body.dump();
      inFlight--;
      // The slot is free once the outcome is queued, as relay's completer frees it: the claim it
      // brings shares the outcome's commit rather than waiting for it.
      recordOutcome(delivery, startedAt, answer.statusCode);
      pump();
    }, fail);
}

function fail(error: unknown): void {
  console.error('ref-store-drain:', error);
  process.exit(1);
}

process.send?.({ ready: 0 });
pump();

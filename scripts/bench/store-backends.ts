/**
 * `npm run bench:backends`: the Store's ingest and dispatch paths on each
 * backend, in-process, without HTTP. `concurrency` producers enqueue events
 * with one delivery each through store.enqueue (the group commit), then one
 * consumer claims 20 at a time and completes them as delivered. Printed per
 * backend: events/s, this process's CPU per event, events per commit, and
 * claim+complete rows/s. PostgreSQL is a throwaway server from the machine's
 * binaries with fsync on, as SQLite runs with `durability: full`.
 *
 *   npm run bench:backends                       # 20,000 events, 64 producers
 *   npm run bench:backends -- --events 50000 --concurrency 16
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openPostgresStore } from '../../src/store/postgres/store.ts';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgresServer } from '../lib/postgres-server.ts';
import { storedEvent } from './lib/relay.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '64' } },
});
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const ENDPOINT = 'hook';

interface Result {
  ingestPerSecond: number;
  cpuMsPerEvent: number;
  perCommit: number;
  dispatchPerSecond: number;
}

async function measure(open: (onCommit: (items: number) => void) => Promise<Store>): Promise<Result> {
  let commits = 0;
  let items = 0;
  const store = await open((n) => {
    commits++;
    items += n;
  });
  try {
    await store.cluster.renew([ENDPOINT], Date.now());
    let next = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EVENTS) await store.enqueue(storedEvent(next++, ENDPOINT, Date.now()));
      }),
    );
    const ingestMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const dispatchStarted = performance.now();
    let done = 0;
    while (done < EVENTS) {
      const now = Date.now();
      const [claim] = await store.claim(
        [{ endpoint: ENDPOINT, fresh: 20, retries: 0, leaseUntil: now + 60_000 }],
        now,
      );
      const rows = claim!.fresh;
      if (rows.length === 0) break;
      await store.complete(
        rows.map((d) => ({
          deliveryId: d.id,
          claim: d.claim,
          attempt: undefined,
          next: 'delivered' as const,
        })),
        now,
      );
      done += rows.length;
    }
    return {
      ingestPerSecond: Math.round((EVENTS / ingestMs) * 1000),
      cpuMsPerEvent: (used.user + used.system) / 1000 / EVENTS,
      perCommit: items / commits,
      dispatchPerSecond: Math.round((done / (performance.now() - dispatchStarted)) * 1000),
    };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'relay-bench-backends-'));
const server = await startPostgresServer({ fsync: true });
try {
  const results: [string, Result][] = [
    [
      'sqlite',
      await measure((onCommit) =>
        openSqliteStore({ path: join(dir, 'relay.db'), durability: 'full', minFreeDisk: () => 0, onCommit }),
      ),
    ],
    [
      `postgres ${server.version}`,
      await measure((onCommit) => openPostgresStore({ url: server.url, pool: 10, onCommit })),
    ],
  ];
  console.log(`${EVENTS} events, ${CONCURRENCY} concurrent producers, fsync on`);
  console.log('backend        ingest ev/s  client CPU ms/ev  events/commit  claim+complete rows/s');
  for (const [name, r] of results) {
    console.log(
      `${name.padEnd(14)} ${String(r.ingestPerSecond).padStart(11)}  ${r.cpuMsPerEvent.toFixed(3).padStart(16)}  ${r.perCommit.toFixed(1).padStart(13)}  ${String(r.dispatchPerSecond).padStart(21)}`,
    );
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

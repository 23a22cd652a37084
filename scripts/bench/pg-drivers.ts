/**
 * `node_modules/.bin/node scripts/bench/pg-drivers.ts`: the two maintained
 * PostgreSQL drivers, `pg` and `postgres`, on relay's ingest path, so the
 * PostgreSQL store is built on figures rather than on reputation. On a
 * throwaway server (scripts/lib/postgres-server.ts) and an outbox-shaped
 * schema (scripts/bench/lib/pg-outbox-sql.ts):
 *
 * - ingest: group commits of 1, 5 and 20 events with their deliveries, each
 *   one statement (a CTE; multi-row VALUES or unnest of arrays), from
 *   several concurrent committers sharing one pool;
 * - claim: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)
 *   RETURNING` joined to the bodies, one committer per endpoint;
 * - completion: `UPDATE … FROM (SELECT unnest($1::bigint[]), unnest($2::text[]))`.
 *
 * Each figure is the median over rounds (drivers alternate, measured moments
 * apart) with the range in brackets: events/s, and CPU ms per event in this
 * process (the driver's cost) and in the server's processes (what the
 * driver's encoding costs PostgreSQL). fsync is off: the disk is not what
 * differs between drivers.
 *
 *   node_modules/.bin/node scripts/bench/pg-drivers.ts [--seconds 2] [--clients 4] [--rounds 3]
 */
import { randomUUIDv7 } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgresServer } from '../lib/postgres-server.ts';
import { body, meanBodyBytes } from './lib/bodies.ts';
import { type BenchEvent, type DriverClient, pgClient, postgresClient } from './lib/pg-clients.ts';
import { PRELOAD, RESET, SCHEMA } from './lib/pg-outbox-sql.ts';
import { serverCpuMs } from './lib/proc-cpu.ts';
import { inTurn, medianRange } from './lib/rounds.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    backlog: { type: 'string', default: '8000' },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const ROUNDS = Number(values.rounds);
const BACKLOG = Number(values.backlog);
const WARMUP_MS = 300;
const CLAIM_LIMIT = 20;

interface Measure {
  perSecond: number;
  clientCpuMs: number;
  serverCpuMs: number;
}

const server = await startPostgresServer();
const admin = new pg.Client({ connectionString: server.url });
const clients: DriverClient[] = [];
try {
  await admin.connect();
  await admin.query(SCHEMA);
  clients.push(pgClient(server.url, CLIENTS), postgresClient(server.url, CLIENTS));
  await report();
} finally {
  await Promise.allSettled(clients.map((client) => client.close()));
  await admin.end().catch(() => {});
  await server.stop();
}

async function report(): Promise<void> {
  const bodies = Array.from({ length: 100 }, (_, i) => body(i, 'receive', Date.now()));
  console.log(
    `PostgreSQL ${server.version} (fsync off), ${CLIENTS} concurrent committers on ${CLIENTS} connections, ` +
      `${SECONDS} s per measurement, ${ROUNDS} rounds, bodies of ${meanBodyBytes()} bytes on average, ` +
      'one delivery per event; medians [min–max]\n',
  );
  console.log('| operation | batch | driver | events/s | client CPU ms/event | server CPU ms/event |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: |');
  const ingestCells: [shape: 'multirow' | 'unnest', batch: number][] = [
    ['multirow', 1],
    ['multirow', 5],
    ['multirow', 20],
    ['unnest', 5],
    ['unnest', 20],
  ];
  for (const [shape, batch] of ingestCells) {
    const label = `ingest (${shape === 'multirow' ? 'multi-row VALUES' : 'unnest'})`;
    print(label, batch, await inTurn(ROUNDS, clients, (client) => ingest(client, shape, batch, bodies)));
  }
  const drain = await inTurn(ROUNDS, clients, (client) => claimAndComplete(client, bodies[0]!));
  print(
    'claim (SKIP LOCKED … RETURNING + body)',
    CLAIM_LIMIT,
    drain.map((runs) => runs.map((run) => run[0])),
  );
  print(
    'complete (UPDATE … FROM unnest)',
    CLAIM_LIMIT,
    drain.map((runs) => runs.map((run) => run[1])),
  );
}

function print(label: string, batch: number, results: Measure[][]): void {
  results.forEach((runs, index) => {
    const figure = (pick: (m: Measure) => number, digits: number) => medianRange(runs.map(pick), digits);
    console.log(
      `| ${label} | ${batch} | ${clients[index]!.name} | ${figure((m) => m.perSecond, 0)} | ` +
        `${figure((m) => m.clientCpuMs, 3)} | ${figure((m) => m.serverCpuMs, 3)} |`,
    );
  });
}

/** Runs `work` and returns how long it took and the CPU this process and the server spent on it. */
async function metered(work: () => Promise<number>): Promise<Measure> {
  const cpu = process.cpuUsage();
  const serverBefore = serverCpuMs(server.pid);
  const started = performance.now();
  const count = await work();
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: (count / elapsedMs) * 1000,
    clientCpuMs: (used.user + used.system) / 1000 / count,
    serverCpuMs: (serverCpuMs(server.pid) - serverBefore) / count,
  };
}

async function ingest(
  client: DriverClient,
  shape: 'multirow' | 'unnest',
  batch: number,
  bodies: Buffer[],
): Promise<Measure> {
  await admin.query(RESET);
  const now = Date.now();
  let seq = 0;
  const nextBatch = (): BenchEvent[] =>
    Array.from({ length: batch }, () => {
      const i = seq++;
      return {
        id: `evt_${randomUUIDv7()}`,
        source: 'app',
        type: 'receive',
        receivedAt: now,
        body: bodies[i % bodies.length]!,
        idempotencyKey: `key_${now}_${i}`,
      };
    });
  const insert = shape === 'multirow' ? client.insertMultirow : client.insertUnnest;
  const commitFor = async (ms: number): Promise<number> => {
    const deadline = performance.now() + ms;
    let events = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) {
          await insert(nextBatch(), 'crm', now);
          events += batch;
        }
      }),
    );
    return events;
  };
  // Connections open and statements prepared outside the measurement.
  await commitFor(WARMUP_MS);
  return metered(() => commitFor(SECONDS * 1000));
}

/** Claims a preloaded backlog to the end, one committer per endpoint, then completes every claim. */
async function claimAndComplete(client: DriverClient, preloadBody: Buffer): Promise<[Measure, Measure]> {
  await admin.query(RESET);
  await admin.query(PRELOAD, [preloadBody, BACKLOG, CLIENTS]);
  await admin.query('ANALYZE deliveries, events');
  const claimed: string[][][] = Array.from({ length: CLIENTS }, () => []);
  const now = Date.now();
  const claim = await metered(async () => {
    let rows = 0;
    await Promise.all(
      claimed.map(async (batches, k) => {
        for (;;) {
          const batch = await client.claim(`ep${k}`, now, CLAIM_LIMIT);
          if (batch.length === 0) return;
          if (!Buffer.isBuffer(batch[0]!.body)) throw new Error(`${client.name}: body is not a Buffer`);
          batches.push(batch.map((row) => String(row.id)));
          rows += batch.length;
        }
      }),
    );
    if (rows !== BACKLOG) throw new Error(`${client.name} claimed ${rows} of ${BACKLOG}`);
    return rows;
  });
  const complete = await metered(async () => {
    let rows = 0;
    await Promise.all(
      claimed.map(async (batches) => {
        for (const ids of batches) {
          await client.complete(
            ids,
            ids.map(() => 'delivered'),
          );
          rows += ids.length;
        }
      }),
    );
    return rows;
  });
  const left = await admin.query("SELECT count(*)::int AS n FROM deliveries WHERE state <> 'delivered'");
  if (left.rows[0].n !== 0) throw new Error(`${client.name} left ${left.rows[0].n} deliveries undelivered`);
  return [claim, complete];
}

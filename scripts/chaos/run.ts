/**
 * The long fault suite: `npm run chaos`. Each fault runs against the real
 * daemon and real targets on 127.0.0.1, and the run prints one table row per
 * fault: events acknowledged, delivered, lost (must be 0), duplicates.
 *
 *   npm run chaos [-- --kills 20 --events 2000]
 *   npm run chaos -- --cluster [--kills 6] [--postgres-url URL]   three relays on one PostgreSQL (cluster.ts)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { clusterChaos } from './cluster.ts';
import {
  agent,
  deadPerSchedule,
  ingest,
  type Row,
  startDaemon,
  startTarget,
  tally,
  until,
  workDir,
  writeConfig,
} from './lib.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string' },
    events: { type: 'string', default: '2000' },
    /** Run only the faults whose name contains this text. */
    only: { type: 'string', default: '' },
    cluster: { type: 'boolean', default: false },
    /** With --cluster: a running PostgreSQL (its maintenance database) instead of a throwaway server. */
    'postgres-url': { type: 'string', default: process.env.RELAY_TEST_POSTGRES_URL },
  },
});
if (values.cluster) await runCluster();
const KILLS = Number(values.kills ?? '20');
const EVENTS = Number(values.events);
const DRAIN_MS = 120_000;

/** The schedule below has this many steps: a delivery is dead after 1 + this many attempts. */
const SCHEDULE_STEPS = 7;
const endpoint = (url: string, extra = '') =>
  `{ url: "${url}/hook", concurrency: 8, retry: { schedule: [100ms, 200ms, 500ms, 1s, 2s, 5s, 10s], jitter: 0.1 }${extra} }`;

/** Ingests with 16 workers until `stop()` holds or `count` events were sent; returns the acknowledged ids. */
async function pump(
  url: string,
  count: number,
  stop: () => boolean,
  acked: Set<string>,
  offset: { n: number },
) {
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (!stop() && offset.n < count) {
        const id = await ingest(url, { type: 'chaos', n: offset.n++, pad: 'x'.repeat(700) });
        if (id) acked.add(id);
      }
    }),
  );
}

/** A config with one endpoint, `hook`, that every event of the source `app` goes to. */
function oneHook(targetUrl: string, extra = ''): string {
  return writeConfig(
    workDir(),
    `sources: { app: { type: { field: type } } }
endpoints: { hook: ${endpoint(targetUrl, extra)} }
routes: [{ from: [app], types: "*", to: [hook] }]`,
  );
}

/**
 * Stops the daemon `times` times with `signal` while 16 clients keep posting,
 * restarts it each time, then waits for every acknowledged event to arrive.
 */
async function restartStorm(signal: 'SIGKILL' | 'SIGTERM', times: number, fault: string): Promise<Row> {
  const target = await startTarget();
  const config = oneHook(target.url);
  const acked = new Set<string>();
  const sent = { n: 0 };
  for (let i = 0; i < times; i++) {
    const relay = await startDaemon(config);
    let stopped = false;
    const load = pump(relay.ingestUrl, Number.POSITIVE_INFINITY, () => stopped, acked, sent);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
    relay.child.kill(signal);
    const code = await relay.exited;
    stopped = true;
    await load;
    if (signal === 'SIGTERM' && code !== 0) throw new Error(`SIGTERM exit code ${code}`);
  }
  const relay = await startDaemon(config);
  await until(() => [...acked].every((id) => target.accepted.has(id)), DRAIN_MS);
  relay.child.kill('SIGTERM');
  await relay.exited;
  await target.close();
  return tally(fault, acked, target);
}

type Misbehaviour = [string, Parameters<typeof startTarget>[0], string];

/** Seconds since the scenario's target started, for faults that come and go. */
const phase = (started: number, periodMs: number) => Math.floor((Date.now() - started) / periodMs) % 2;

/** Misbehaving targets, modelled on how real ones fail: at random, or in spells that pass. */
function misbehaviours(): Misbehaviour[] {
  const started = Date.now();
  let windowStart = Date.now();
  let inWindow = 0;
  return [
    [
      'target fails half its answers with 500',
      (_q, res) => res.writeHead(Math.random() < 0.5 ? 500 : 200).end(),
      '',
    ],
    [
      'target closes the connection mid-response (30 %)',
      (_q, res) => {
        if (Math.random() >= 0.3) return res.end();
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial', () => res.socket?.destroy());
      },
      '',
    ],
    [
      'target slower than the timeout in 2 s spells',
      (_q, res) => {
        const slow = phase(started, 2_000) === 0;
        const timer = setTimeout(() => res.end(), slow ? 600 : 0);
        res.on('close', () => clearTimeout(timer));
      },
      ', timeout: 300ms',
    ],
    [
      'target answers 429 Retry-After: 1 past 300 requests/s',
      (_q, res) => {
        if (Date.now() - windowStart >= 1_000) {
          windowStart = Date.now();
          inWindow = 0;
        }
        if (++inWindow > 300) return res.writeHead(429, { 'retry-after': '1' }).end();
        res.end();
      },
      '',
    ],
  ];
}

async function misbehaving([fault, reply, extra]: Misbehaviour): Promise<Row> {
  const target = await startTarget(reply);
  const config = oneHook(target.url, extra);
  const relay = await startDaemon(config);
  const acked = new Set<string>();
  await pump(relay.ingestUrl, EVENTS, () => false, acked, { n: 0 });
  const database = join(dirname(config), 'relay.db');
  let dead = new Set<string>();
  await until(() => {
    if ([...acked].every((id) => target.accepted.has(id) || dead.has(id))) return true;
    dead = deadPerSchedule(database, SCHEDULE_STEPS);
    return false;
  }, DRAIN_MS);
  relay.child.kill('SIGTERM');
  await relay.exited;
  await target.close();
  const bound = target.maxInFlight <= 8 ? 'held' : 'EXCEEDED';
  const note = `in flight at most ${target.maxInFlight} (concurrency 8: ${bound})`;
  return tally(fault, acked, target, note, deadPerSchedule(database, SCHEDULE_STEPS));
}

/**
 * The database's filesystem fills up: ingest must answer 503 and stay up, and
 * recover once deliveries finish and retention frees room. A real 4 MiB tmpfs
 * when running as root; otherwise `storage.max_size` makes SQLite report the
 * same SQLITE_FULL.
 */
async function diskFull(): Promise<Row> {
  const target = await startTarget();
  const dir = workDir();
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  let mounted = false;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dataDir]);
      mounted = true;
    } catch {
      mounted = false;
    }
  }
  const storage = mounted
    ? 'storage: { path: ./data/relay.db, retention: 1s }\nlimits: { min_free_disk: 0B }'
    : 'storage: { path: ./data/relay.db, retention: 1s, max_size: 4MiB }';
  const config = writeConfig(
    dir,
    `${storage}
sources: { app: { type: { field: type } } }
endpoints: { hook: ${endpoint(target.url)} }
routes: [{ from: [app], types: "*", to: [hook] }]`,
  );
  const relay = await startDaemon(config);
  // The endpoint is paused while the outbox fills, so nothing drains it.
  await admin(relay.adminUrl, 'hook/pause');
  const acked = new Set<string>();
  let refused = 0;
  for (let n = 0; n < 20_000 && refused < 50; n++) {
    const id = await ingest(relay.ingestUrl, { type: 'fill', n, pad: 'x'.repeat(2000) });
    if (id) acked.add(id);
    else refused++;
  }
  const alive = relay.child.exitCode === null;
  // Room returns: the operator grows the filesystem (a full disk takes every write with it,
  // even an operator's resume), or, under max_size, the endpoint simply resumes.
  if (mounted) execFileSync('mount', ['-o', 'remount,size=64m', dataDir]);
  await admin(relay.adminUrl, 'hook/resume');
  await until(() => [...acked].every((id) => target.accepted.has(id)), DRAIN_MS);
  // Retention (1s) prunes what was delivered; ingest must then be accepted again.
  let recovered = false;
  await until(() => false, 3_000);
  for (let i = 0; i < 100 && !recovered; i++) {
    const id = await ingest(relay.ingestUrl, { type: 'after', i });
    if (id) {
      acked.add(id);
      recovered = true;
    } else await new Promise((r) => setTimeout(r, 200));
  }
  await until(() => [...acked].every((id) => target.accepted.has(id)), DRAIN_MS);
  relay.child.kill('SIGTERM');
  await relay.exited;
  await target.close();
  if (mounted) execFileSync('umount', [dataDir]);
  const how = mounted ? '4 MiB tmpfs' : 'storage.max_size 4MiB';
  return tally(
    `disk full (${how})`,
    acked,
    target,
    `${refused} refused with 503; process ${alive ? 'stayed up' : 'DIED'}; ingest ${recovered ? 'recovered' : 'did NOT recover'} once room returned`,
  );
}

async function admin(adminUrl: string, action: string): Promise<void> {
  const res = await request(`${adminUrl}/admin/endpoints/${action}`, { method: 'POST', dispatcher: agent });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`admin ${action}: ${res.statusCode}`);
}

const faults: [string, () => Promise<Row>][] = [
  ['kill -9', () => restartStorm('SIGKILL', KILLS, `kill -9 × ${KILLS} under ingest`)],
  ['SIGTERM', () => restartStorm('SIGTERM', 10, 'SIGTERM × 10 under ingest')],
  ...misbehaviours().map((m): [string, () => Promise<Row>] => [m[0], () => misbehaving(m)]),
  ['disk full', diskFull],
];
const rows: Row[] = [];
const started = Date.now();
for (const [name, run] of faults) {
  if (values.only && !name.includes(values.only)) continue;
  rows.push(await run());
  console.error(`chaos: ${name} done`);
}
await agent.close();

console.log('| fault | acknowledged | delivered | dead (schedule used up) | lost | duplicates | note |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.fault} | ${r.acknowledged} | ${r.delivered} | ${r.dead} | ${r.lost} | ${r.duplicates} | ${r.note} |`,
  );
}
console.log(`\nchaos: ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (rows.some((r) => r.lost > 0 || /NOT|DIED|EXCEEDED/.test(r.note))) process.exit(1);

/** The cluster run alone: its own table, then exit (non-zero when something was lost or exceeded). */
async function runCluster(): Promise<never> {
  const started = Date.now();
  // Everything stops by itself: a run that overruns its budget by far is ended.
  setTimeout(() => {
    console.error('chaos: the cluster run is still going after 10 minutes: giving up');
    process.exit(1);
  }, 10 * 60_000).unref();
  const rows = await clusterChaos({
    kills: Number(values.kills ?? '6'),
    postgresUrl: values['postgres-url'],
  });
  await agent.close();
  console.log(
    '| phase | acknowledged | deliveries owed | delivered | lost | duplicates | most in flight per endpoint (whole run) | measured |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.phase} | ${r.acknowledged} | ${r.owed} | ${r.delivered} | ${r.lost} | ${r.duplicates} | ${r.inFlight} | ${r.measured} |`,
    );
  }
  console.log(`\nchaos --cluster: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(rows.some((r) => r.failed) ? 1 : 0);
}

/**
 * `npm run bench`: relay's benchmark on loopback, with its references
 * measured in the same run so that results are ratios that hold on a noisy
 * machine. Prints a markdown table and writes bench-results/<time>.json.
 *
 *   npm run bench                      every reference and scenario (under 10 minutes on 2 cores)
 *   npm run bench -- --quick           every one briefly, to check the harness (under 2 minutes)
 *   npm run bench -- --soak [--minutes 10]   the long run with retention on
 *   npm run bench -- --only e2e,many   some of: ingest e2e fanout many backlog isolation ordering
 *   npm run bench -- --source          run src/cli.ts even when dist/relay exists
 *   npm run bench -- --relay FILE      run this relay: an executable, or a cli.ts
 *   npm run bench -- --profile         run relay from source with --cpu-prof; print its hot spots
 *   npm run bench -- --backend postgres   ingest and e2e on SQLite beside PostgreSQL, and 1–3 relays on one PostgreSQL
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgresServer } from '../lib/postgres-server.ts';
import { meanBodyBytes } from './lib/bodies.ts';
import { CONNECTIONS, type Ctx, plans } from './lib/context.ts';
import { type HotSpot, hotSpots, hotSpotTable } from './lib/profile.ts';
import { relayBinary, root } from './lib/relay.ts';
import { type Goal, goalsTable, ms, resultsTable, type Section } from './lib/report.ts';
import { Target } from './lib/target.ts';
import { ingest } from './s1-ingest.ts';
import { endToEnd } from './s2-e2e.ts';
import { fanOut } from './s3-fanout.ts';
import { manyEndpoints } from './s4-many.ts';
import { backlog } from './s5-backlog.ts';
import { isolation } from './s6-isolation.ts';
import { ordering } from './s7-ordering.ts';
import { type PgServer, postgresEndToEnd, postgresIngest } from './s8-postgres.ts';
import { postgresCluster } from './s9-pg-cluster.ts';
import { soak } from './soak.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '10' },
    only: { type: 'string' },
    source: { type: 'boolean', default: false },
    relay: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results' },
    keep: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'sqlite' },
  },
});

if (!['sqlite', 'postgres'].includes(flags.backend))
  throw new Error(`--backend: sqlite or postgres, not "${flags.backend}"`);
const onPostgres = flags.backend === 'postgres';
/** With --backend postgres: a throwaway server (fsync on, as SQLite's durability full), started below. */
let pgServer: PgServer | undefined;
const sections: [string, (ctx: Ctx) => Promise<Section>][] = onPostgres
  ? [
      ['ingest', (ctx) => postgresIngest(ctx, pgServer!)],
      ['e2e', (ctx) => postgresEndToEnd(ctx, pgServer!)],
      ['cluster', (ctx) => postgresCluster(ctx, pgServer!)],
    ]
  : [
      ['ingest', ingest],
      ['e2e', endToEnd],
      ['fanout', fanOut],
      ['many', manyEndpoints],
      ['backlog', backlog],
      ['isolation', isolation],
      ['ordering', ordering],
    ];

const only = flags.only?.split(',').map((s) => s.trim());
for (const name of only ?? []) {
  if (!sections.some(([id]) => id === name)) throw new Error(`--only: no section "${name}"`);
}
const mode = flags.soak ? 'soak' : flags.quick ? 'quick' : 'full';
const minutes = Number(flags.minutes);
if (!(minutes > 0)) throw new Error(`--minutes: not a positive number: ${flags.minutes}`);
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const outDir = resolve(root, flags.out);
mkdirSync(outDir, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'relay-bench-'));
const profiles = flags.profile ? join(outDir, `${stamp}-profiles`) : undefined;

// Everything stops by itself: a run that overruns its budget by far is ended.
const budgetMs = (mode === 'soak' ? minutes + 5 : mode === 'quick' ? 6 : 15) * 60_000;
setTimeout(() => {
  console.error(`bench: still running after ${budgetMs / 60_000} minutes: giving up`);
  process.exit(1);
}, budgetMs).unref();

const log = (message: string) => process.stderr.write(`${message}\n`);
const launch = {
  relay: flags.relay,
  source: flags.source,
  profileDir: undefined,
  nativeDir: join(tmp, 'native'),
};
const binary = relayBinary({ ...launch, profileDir: profiles });
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
};
const relayShown = flags.relay
  ? `${binary.path} (${binary.kind}, given with --relay)`
  : `${relative(root, binary.path)} (${binary.kind}, repository at ${commit()})${binary.note ? ` — ${binary.note}` : ''}`;
log(`relay: ${relayShown}`);
log(`machine: ${machine.cores} × ${machine.cpu}, load average ${machine.loadAverageAtStart.join(' ')}`);

const target = await Target.start();
const postgres = onPostgres ? await startPostgresServer({ fsync: true }) : undefined;
if (postgres) {
  pgServer = postgres;
  log(`PostgreSQL ${postgres.version} on 127.0.0.1:${postgres.port}, fsync on`);
}
const ctx: Ctx = { plan: plans[mode === 'quick' ? 'quick' : 'full'], target, tmp, launch, profiles, log };
const run = {
  startedAt: startedAt.toISOString(),
  mode,
  machine,
  relay: { ...binary, shown: relayShown },
  plan: ctx.plan,
};
const write = (name: string, data: unknown, text: string) => {
  const json = join(outDir, `${name}.json`);
  writeFileSync(json, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(join(outDir, `${name}.md`), `${text}\n`);
  log(`\nwrote ${relative(root, json)} (and .md)`);
};

try {
  if (mode === 'soak') {
    log(`soak: ${minutes} min`);
    const result = await soak(ctx, minutes);
    console.log(result.text);
    write(`${stamp}-soak`, { ...run, minutes, ...result }, result.text);
  } else {
    const results: Section[] = [];
    for (const [id, measure] of sections) {
      if (only && !only.includes(id)) continue;
      const began = performance.now();
      log(`${id}…`);
      try {
        results.push(await measure(ctx));
      } catch (error) {
        log(`  ${id} failed: ${(error as Error).stack}`);
        results.push({
          id,
          rows: [],
          figures: {},
          notes: [],
          skipped: `failed: ${(error as Error).message}`,
        });
      }
      log(`  ${id} took ${((performance.now() - began) / 1000).toFixed(0)} s`);
    }
    // The goals are scenario 1–6's on SQLite; the PostgreSQL run compares backends and cluster sizes.
    const goals = onPostgres ? [] : evaluate(results);
    const spots: Record<string, HotSpot[]> = {};
    if (profiles) for (const r of results) spots[r.id] = hotSpots(profiles, r.id);
    const text = report(results, goals, spots);
    console.log(text);
    write(
      onPostgres ? `${stamp}-postgres` : stamp,
      { ...run, finishedAt: new Date().toISOString(), sections: results, goals, hotSpots: spots },
      text,
    );
  }
} finally {
  await target.stop();
  await postgres?.stop();
  if (!flags.keep) rmSync(tmp, { recursive: true, force: true });
}

function report(results: Section[], goals: Goal[], spots: Record<string, HotSpot[]>): string {
  const lines = [
    `relay benchmark${onPostgres ? ' on PostgreSQL' : ''}, ${mode} run, ${startedAt.toISOString()}`,
    `machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; load average at start ${machine.loadAverageAtStart.join(' ')}`,
    `relay: ${relayShown}`,
    `bodies: mean ${meanBodyBytes()} bytes (9 in 10 of 0.7–1.4 KiB, 1 in 10 of 16 KiB); load: ${CONNECTIONS} connections, closed-loop phases of ${ctx.plan.loadMs / 1000} s`,
    `${ctx.plan.rounds} round(s) alternating the systems each comparison measures; figures are medians over rounds, ratios medians of per-round ratios`,
    '',
    resultsTable(results),
    ...(goals.length > 0 ? ['', goalsTable(goals)] : []),
  ];
  const notes = results.flatMap((r) => r.notes.map((n) => `${r.id}: ${n}`));
  if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${n}`));
  if (mode === 'quick') lines.push('', '(quick run: short phases, figures are only indicative)');
  for (const [id, list] of Object.entries(spots)) {
    if (list.length > 0)
      lines.push(
        '',
        `relay's hot spots in ${id} (self time, share of non-idle CPU):`,
        '',
        hotSpotTable(list),
      );
  }
  return lines.join('\n');
}

function evaluate(results: Section[]): Goal[] {
  const fig = (id: string, key: string) => results.find((r) => r.id === id && !r.skipped)?.figures[key];
  const goal = (
    name: string,
    value: number | undefined,
    goalText: string,
    ok: (v: number) => boolean,
    shown: (v: number) => string,
  ): Goal => ({
    name,
    value,
    goal: goalText,
    met: value === undefined ? undefined : ok(value),
    shown: value === undefined ? '–' : shown(value),
  });
  const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
  const times = (v: number) => `${v.toFixed(2)}×`;
  const perSecond = (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`;
  const millis = (v: number) => `${ms(v)} ms`;
  const peakAnon = fig('backlog', 'peakAnon');
  const fanOut = fig('fanout', 'rate');
  const naive = fig('e2e', 'naiveRate');
  return [
    goal('1 ingest rate (full) / bare target', fig('ingest', 'fullVsBare'), '≥ 50 %', (v) => v >= 0.5, pct),
    goal(
      `1 ingest p99 ack at ${ctx.plan.ingestRate.toLocaleString('en-US')} events/s (full)`,
      fig('ingest', 'fixedP99'),
      '≤ 20 ms',
      (v) => v <= 20,
      millis,
    ),
    goal('2 end-to-end / naive forwarder', fig('e2e', 'vsNaive'), '≥ 70 %', (v) => v >= 0.7, pct),
    goal('2 end-to-end / BullMQ + Redis', fig('e2e', 'vsBullmq'), '≥ 2.0×', (v) => v >= 2, times),
    goal(
      `2 CPU ms per delivery at ${ctx.plan.deliveryRate.toLocaleString('en-US')} events/s`,
      fig('e2e', 'cpuMsPerDelivery'),
      '≤ 0.40',
      (v) => v <= 0.4,
      (v) => v.toFixed(3),
    ),
    goal(
      '3 fan-out ×10 deliveries/s / naive forwarder (e2e)',
      fanOut === undefined || naive === undefined ? undefined : fanOut / naive,
      '≥ 1.5×',
      (v) => v >= 1.5,
      times,
    ),
    goal('4 CPU/delivery, 1,000 endpoints / one', fig('many', 'vsSingle'), '≤ 1.5×', (v) => v <= 1.5, times),
    goal('5 backlog drain rate', fig('backlog', 'rate'), '≥ 8,000/s', (v) => v >= 8_000, perSecond),
    goal(
      '5 backlog peak RSS, anonymous (file-backed code apart)',
      peakAnon === undefined ? undefined : peakAnon * 1.048576,
      '≤ 200 MB',
      (v) => v <= 200,
      (v) => `${Math.round(v)} MB`,
    ),
    goal('5 ingest p99 during the drain', fig('backlog', 'ingestP99'), '≤ 50 ms', (v) => v <= 50, millis),
    goal(
      '6 healthy beside a stuck one / alone',
      fig('isolation', 'vsSingle'),
      '≥ 90 %',
      (v) => v >= 0.9,
      pct,
    ),
  ];
}

/** The repository's commit, and whether the working tree differs from it (read-only git). */
function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}

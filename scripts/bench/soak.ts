/**
 * The long run (`npm run bench -- --soak [--minutes 10]`): one endpoint, a
 * steady 1,000 events/s with `storage.retention: 1m`, sampling the database
 * and WAL sizes, relay's RSS and its queue every 10 s. With retention on,
 * all three must level off: the verdict compares each one's peak over the
 * last third of the run with its peak over the middle third.
 */
import { statSync } from 'node:fs';
import { CONNECTIONS, type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { drive } from './lib/driver.ts';
import { cpuSeconds } from './lib/proc.ts';
import { metricSum, RelayProcess } from './lib/relay.ts';
import { fmt } from './lib/report.ts';
import { sleep } from './lib/stats.ts';

const RATE = 1_000;
const SAMPLE_MS = 10_000;
/** Growth of a series' peak, middle third → last third of the run, under which it counts as level. */
const LEVEL = 0.1;

export interface SoakSample {
  seconds: number;
  dbMiB: number;
  walMiB: number;
  rssMiB: number;
  /** relay's CPU over the last interval, in cores. */
  cpu: number;
  delivered: number;
  pending: number;
}

export interface SoakSeries {
  name: string;
  /** Peak over the middle third of the run, and over the last third. */
  middle: number;
  end: number;
  growth: number;
  level: boolean;
}

export async function soak(
  ctx: Ctx,
  minutes: number,
): Promise<{ samples: SoakSample[]; series: SoakSeries[]; ack: { p50: number; p99: number }; text: string }> {
  const relay = await RelayProcess.start(
    {
      retention: '1m',
      endpoints: [{ name: 'soak', url: ctx.target.url('/soak'), concurrency: DELIVERY_CONCURRENCY }],
      routes: [{ types: '*', to: ['soak'] }],
    },
    scratch(ctx, 'soak'),
    launchFor(ctx, 'soak'),
  );
  const samples: SoakSample[] = [];
  const size = (file: string) => {
    try {
      return statSync(file).size / 2 ** 20;
    } catch {
      return 0;
    }
  };
  try {
    await ctx.target.reset();
    const durationMs = minutes * 60_000;
    const load = drive({
      origin: relay.ingestUrl,
      path: () => '/in/app',
      connections: CONNECTIONS,
      durationMs,
      rate: RATE,
    });
    const started = performance.now();
    let lastCpu = cpuSeconds(relay.pid);
    let lastAt = started;
    while (performance.now() - started < durationMs) {
      await sleep(Math.min(SAMPLE_MS, durationMs - (performance.now() - started)));
      const now = performance.now();
      const cpu = cpuSeconds(relay.pid);
      const metrics = await relay.metrics();
      samples.push({
        seconds: Math.round((now - started) / 1000),
        dbMiB: size(relay.dbPath),
        walMiB: size(`${relay.dbPath}-wal`),
        rssMiB: relay.memory().rss,
        cpu: (cpu - lastCpu) / ((now - lastAt) / 1000),
        delivered: (await ctx.target.stats()).received,
        pending: metricSum(metrics, 'relay_queue_depth'),
      });
      lastCpu = cpu;
      lastAt = now;
      const last = samples.at(-1)!;
      ctx.log(
        `  ${last.seconds}s db ${last.dbMiB.toFixed(1)} MiB, wal ${last.walMiB.toFixed(1)} MiB, rss ${last.rssMiB.toFixed(0)} MiB, cpu ${(last.cpu * 100).toFixed(0)} %, queue ${last.pending}`,
      );
    }
    const result = await load;
    const series = (['dbMiB', 'walMiB', 'rssMiB'] as const).map((key) => verdict(key, samples));
    const text = soakText(minutes, samples, series, result.latency, relay.warningNotes());
    return { samples, series, ack: { p50: result.latency.p50, p99: result.latency.p99 }, text };
  } finally {
    await relay.stop();
  }
}

/**
 * A series levels off when its peak over the last third of the run is within
 * LEVEL of its peak over the middle third (peaks, since RSS and the WAL swing
 * with garbage collection and checkpoints; a WAL under 8 MiB counts as level).
 */
function verdict(key: 'dbMiB' | 'walMiB' | 'rssMiB', samples: SoakSample[]): SoakSeries {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const peak = (from: number, to: number) => Math.max(...samples.slice(from, to).map((s) => s[key]));
  const middle = peak(third, Math.max(third + 1, 2 * third));
  const end = peak(Math.min(2 * third, samples.length - 1), samples.length);
  const growth = middle > 0 ? end / middle - 1 : 0;
  const level = growth <= LEVEL || (key === 'walMiB' && end < 8);
  return { name: key, middle, end, growth, level };
}

function soakText(
  minutes: number,
  samples: SoakSample[],
  series: SoakSeries[],
  ack: { p50: number; p99: number },
  warnings: string[],
): string {
  const lines = [
    `Soak: ${minutes} min at ${RATE.toLocaleString('en-US')} events/s, storage.retention 1m, durability full`,
    '',
    '| time | database | WAL | RSS | CPU | delivered | queue |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const every = Math.max(1, Math.round(60_000 / SAMPLE_MS / (minutes <= 3 ? 2 : 1)));
  samples.forEach((s, i) => {
    if ((i + 1) % every !== 0 && i !== samples.length - 1) return;
    lines.push(
      `| ${s.seconds} s | ${s.dbMiB.toFixed(1)} MiB | ${s.walMiB.toFixed(1)} MiB | ${s.rssMiB.toFixed(0)} MiB | ${(s.cpu * 100).toFixed(0)} % | ${fmt(s.delivered)} | ${fmt(s.pending)} |`,
    );
  });
  lines.push(
    '',
    '| series | peak, middle third | peak, last third | growth | |',
    '| --- | ---: | ---: | ---: | --- |',
  );
  for (const s of series) {
    lines.push(
      `| ${s.name.replace('MiB', '')} | ${s.middle.toFixed(1)} MiB | ${s.end.toFixed(1)} MiB | ${(s.growth * 100).toFixed(1)} % | ${s.level ? 'levels off' : '**still growing**'} |`,
    );
  }
  lines.push('', `ack latency over the run: p50 ${ack.p50.toFixed(2)} ms, p99 ${ack.p99.toFixed(2)} ms`);
  if (minutes < 5)
    lines.push('(a run this short ends before retention has had time to bite: judge a 10-minute run)');
  for (const w of warnings) lines.push(w);
  return lines.join('\n');
}

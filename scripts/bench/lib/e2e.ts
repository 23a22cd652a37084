/**
 * The two measurements every section shares.
 *
 * `pushThrough`: drive ingest (closed loop, or a fixed rate), wait until the
 * target has every delivery the acknowledged events owe it, and report
 * deliveries per second from the first request to the last delivery,
 * received → delivered latency, and the CPU of the processes under test
 * over the same window.
 *
 * `acknowledge`: drive ingest alone and report what the sender sees.
 */
import type { Ctx } from './context.ts';
import { CONNECTIONS } from './context.ts';
import { drive, type LoadResult } from './driver.ts';
import { CpuWindow } from './proc.ts';
import type { Row } from './report.ts';
import { each, med } from './rounds.ts';
import type { LatencySummary } from './stats.ts';
import type { System } from './system.ts';

export interface Phase {
  durationMs: number;
  maxRequests?: number;
  /** Open loop at this many requests/s; closed loop without it. */
  rate?: number;
}

export interface ThroughputRun {
  load: LoadResult;
  /** Deliveries the target answered (excluding /hang/). */
  delivered: number;
  /** Deliveries owed: acknowledged events × fan-out. */
  expected: number;
  /** Every owed delivery arrived before the drain timeout. */
  complete: boolean;
  /** Deliveries per second, first request → last delivery. */
  rate: number;
  latency: LatencySummary;
  cpu: CpuWindow;
  /** CPU milliseconds of the processes under test per delivery. */
  cpuMsPerDelivery: number;
}

export async function pushThrough(ctx: Ctx, system: System, phase: Phase): Promise<ThroughputRun> {
  await ctx.target.reset();
  const cpu = new CpuWindow(...system.pids).start();
  const load = await driveSystem(system, phase);
  const expected = load.ok * system.fanout;
  await ctx.target.waitFor(expected, ctx.plan.drainTimeoutMs);
  cpu.stop();
  const stats = await ctx.target.latency();
  const seconds = (stats.lastAt - load.firstSentAt) / 1000;
  return {
    load,
    delivered: stats.received,
    expected,
    complete: stats.received >= expected,
    rate: seconds > 0 ? stats.received / seconds : 0,
    latency: stats.latency,
    cpu,
    cpuMsPerDelivery: (cpu.cpuSeconds * 1000) / Math.max(1, stats.received),
  };
}

export interface AckRun {
  load: LoadResult;
  cpu: CpuWindow;
}

export async function acknowledge(system: System, phase: Phase): Promise<AckRun> {
  const cpu = new CpuWindow(...system.pids).start();
  const load = await driveSystem(system, phase);
  cpu.stop();
  return { load, cpu };
}

function driveSystem(system: System, phase: Phase): Promise<LoadResult> {
  return drive({
    origin: system.origin,
    path: system.path,
    type: system.type,
    connections: CONNECTIONS,
    ...phase,
  });
}

/** A table row from a system's rounds of pushThrough: medians, and each round's rate in the notes. */
export function deliveryRow(
  name: string,
  unit: string,
  system: System,
  runs: ThroughputRun[],
  notes: string[] = [],
): Row {
  return {
    name,
    rate: med(runs, (r) => r.rate),
    unit,
    p50: med(runs, (r) => r.latency.p50),
    p99: med(runs, (r) => r.latency.p99),
    latency: 'e2e',
    peakRss: system.peakRss(),
    cpu: med(runs, (r) => r.cpu.cores),
    notes: [
      ...(runs.length > 1 ? [`rounds: ${each(runs, (r) => r.rate)}`] : []),
      `${med(runs, (r) => r.cpuMsPerDelivery).toFixed(3)} CPU ms/delivery`,
      ...notes,
      ...failures(runs.map((r) => r.load)),
      ...runs
        .filter((r) => !r.complete)
        .map((r) => `only ${r.delivered} of ${r.expected} deliveries arrived in time`),
      ...system.notes(),
    ],
  };
}

/** The median over rounds of a ratio between two systems' figures taken in the same round. */
export function pairedRatio<T>(a: T[], b: T[], figure: (run: T) => number): number {
  return med(
    a.map((run, i) => figure(run) / figure(b[i]!)),
    (x) => x,
  );
}

/** A table row from a system's rounds of acknowledge. */
export function ackRow(
  name: string,
  system: System,
  runs: AckRun[],
  notes: string[] = [],
  unit = 'events/s',
): Row {
  return {
    name,
    rate: med(runs, (r) => r.load.rate),
    unit,
    p50: med(runs, (r) => r.load.latency.p50),
    p99: med(runs, (r) => r.load.latency.p99),
    latency: 'ack',
    peakRss: system.peakRss(),
    cpu: med(runs, (r) => r.cpu.cores),
    notes: [
      ...(runs.length > 1 ? [`rounds: ${each(runs, (r) => r.load.rate)}`] : []),
      ...notes,
      ...failures(runs.map((r) => r.load)),
      ...system.notes(),
    ],
  };
}

function failures(loads: LoadResult[]): string[] {
  const failed = loads.reduce((n, l) => n + l.failed, 0);
  if (failed === 0) return [];
  const statuses: Record<string, number> = {};
  for (const l of loads) {
    for (const [k, v] of Object.entries(l.statuses))
      if (!k.startsWith('2')) statuses[k] = (statuses[k] ?? 0) + v;
  }
  return [`${failed} requests not acknowledged ${JSON.stringify(statuses)}`];
}

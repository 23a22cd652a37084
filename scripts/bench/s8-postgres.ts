/**
 * `--backend postgres`, scenarios 1 and 2 on both backends in the same run:
 * one relay on SQLite (`durability: full`) beside one relay on PostgreSQL
 * (its own database on a throwaway server with fsync on), alternating round
 * by round. Ingest with the endpoint paused (acknowledged events/s), then end
 * to end with one endpoint (closed loop, then a fixed rate for CPU per
 * delivery). Each row says relay's CPU per event and, on PostgreSQL, the
 * server's, read from /proc.
 */
import { scratchDatabase } from '../lib/postgres-database.ts';
import { type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { cpuNotes, sum, withCpuSplit } from './lib/cpu-split.ts';
import { type AckRun, acknowledge, ackRow, deliveryRow, pushThrough, type ThroughputRun } from './lib/e2e.ts';
import { RelayProcess, type RelaySpec } from './lib/relay.ts';
import type { Row, Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';

/** The server every `--backend postgres` section uses: its maintenance URL, postmaster pid and version. */
export interface PgServer {
  url: string;
  pid: number;
  version: number;
}

interface Contender {
  label: string;
  relay: RelayProcess;
  system: System;
  /** The postmaster whose CPU counts for this system (undefined on SQLite). */
  postmaster: number | undefined;
}

/** One relay per backend with `spec`, each in its own directory (and, on PostgreSQL, its own database). */
async function contenders(ctx: Ctx, server: PgServer, name: string, spec: RelaySpec): Promise<Contender[]> {
  const sqlite = await RelayProcess.start(spec, scratch(ctx, `${name}-sqlite`), launchFor(ctx, name));
  const database = await scratchDatabase(server.url, `relay_bench_${name.replace(/\W/g, '_')}`);
  const postgres = await RelayProcess.start(
    { ...spec, postgres: { url: database.url, instance: `${name}-1` } },
    scratch(ctx, `${name}-postgres`),
    launchFor(ctx, name),
  ).catch(async (error: unknown) => {
    await sqlite.stop();
    throw error;
  });
  const pgSystem = relaySystem('relay on PostgreSQL', postgres);
  return [
    {
      label: 'SQLite (durability full)',
      relay: sqlite,
      system: relaySystem('relay on SQLite', sqlite),
      postmaster: undefined,
    },
    {
      label: `PostgreSQL ${server.version} (fsync on)`,
      relay: postgres,
      system: { ...pgSystem, stop: () => pgSystem.stop().finally(() => database.drop()) },
      postmaster: server.pid,
    },
  ];
}

/** CPU ms per unit of work, relay's and the server's (undefined on SQLite), medians over rounds. */
function perUnit<T>(
  runs: { result: T; cpu: { relayMs: number[]; serverMs: number } }[],
  units: (r: T) => number,
  pg: boolean,
) {
  return {
    relay: med(runs, (r) => sum(r.cpu.relayMs) / Math.max(1, units(r.result))),
    server: pg ? med(runs, (r) => r.cpu.serverMs / Math.max(1, units(r.result))) : undefined,
  };
}

export async function postgresIngest(ctx: Ctx, server: PgServer): Promise<Section> {
  const spec: RelaySpec = {
    endpoints: [{ name: 'sink', url: ctx.target.url('/s7') }],
    routes: [{ types: '*', to: ['sink'] }],
  };
  const both = await contenders(ctx, server, 'pg-ingest', spec);
  try {
    for (const c of both) {
      if (!(await c.relay.endpoint('sink', 'pause'))) throw new Error(`could not pause sink on ${c.label}`);
    }
    const runs = await alternate(
      ctx,
      both.map((c) => c.system),
      (system) => {
        const c = both.find((x) => x.system === system)!;
        return withCpuSplit(system.pids, c.postmaster, () =>
          acknowledge(system, { durationMs: ctx.plan.loadMs }),
        );
      },
    );
    const rows: Row[] = both.map((c, i) => {
      const own = runs[i]!;
      return ackRow(
        `1 ingest on ${c.label} (max)`,
        c.system,
        own.map((r) => r.result),
        cpuNotes(
          perUnit<AckRun>(own, (r) => r.load.ok, c.postmaster !== undefined),
          'events',
          true,
        ),
      );
    });
    const rate = (i: number) => med(runs[i]!, (r) => r.result.load.rate);
    return {
      id: 'pg-ingest',
      rows,
      figures: { sqliteRate: rate(0), postgresRate: rate(1) },
      notes: ['endpoint paused through the admin API: relay only accepts and stores'],
    };
  } finally {
    await stopAll(both.map((c) => c.system));
  }
}

export async function postgresEndToEnd(ctx: Ctx, server: PgServer): Promise<Section> {
  const spec: RelaySpec = {
    endpoints: [{ name: 'e2e', url: ctx.target.url('/s7e2e'), concurrency: DELIVERY_CONCURRENCY }],
    routes: [{ types: '*', to: ['e2e'] }],
  };
  const both = await contenders(ctx, server, 'pg-e2e', spec);
  try {
    const measure = (c: Contender, rate?: number) =>
      withCpuSplit(c.system.pids, c.postmaster, () =>
        pushThrough(
          ctx,
          c.system,
          rate ? { durationMs: ctx.plan.fixedMs, rate } : { durationMs: ctx.plan.loadMs },
        ),
      );
    const maxRuns = await alternate(
      ctx,
      both.map((c) => c.system),
      (system) => measure(both.find((c) => c.system === system)!),
    );
    const fixedRuns = await alternate(
      ctx,
      both.map((c) => c.system),
      (system) => measure(both.find((c) => c.system === system)!, ctx.plan.deliveryRate),
    );
    const rows: Row[] = [];
    both.forEach((c, i) => {
      const pg = c.postmaster !== undefined;
      const delivered = (r: ThroughputRun) => r.delivered;
      rows.push(
        deliveryRow(
          `2 end-to-end on ${c.label} (max)`,
          'events/s',
          c.system,
          maxRuns[i]!.map((r) => r.result),
          cpuNotes(perUnit(maxRuns[i]!, delivered, pg), 'deliveries', false),
        ),
        deliveryRow(
          `2 end-to-end on ${c.label} at ${ctx.plan.deliveryRate.toLocaleString('en-US')} events/s`,
          'events/s',
          c.system,
          fixedRuns[i]!.map((r) => r.result),
          cpuNotes(perUnit(fixedRuns[i]!, delivered, pg), 'deliveries', false),
        ),
      );
    });
    const rate = (i: number) => med(maxRuns[i]!, (r) => r.result.rate);
    return {
      id: 'pg-e2e',
      rows,
      figures: { sqliteRate: rate(0), postgresRate: rate(1) },
      notes: [],
    };
  } finally {
    await stopAll(both.map((c) => c.system));
  }
}

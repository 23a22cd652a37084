/**
 * `--backend postgres`, scenario 2 on one, two and three relays sharing one
 * PostgreSQL database (each cluster its own database on the same server),
 * alternating round by round. Six endpoints, events spread over them by
 * type, so each relay owns and delivers a share; the load generator posts to
 * every relay of a cluster round-robin. Each row: deliveries/s, the CPU per
 * delivery of the relays together (and of each), and of the PostgreSQL
 * server, and what that predicts per core.
 */
import { scratchDatabase } from '../lib/postgres-database.ts';
import { type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { cpuNotes, sum, withCpuSplit } from './lib/cpu-split.ts';
import { deliveryRow, pushThrough } from './lib/e2e.ts';
import { RelayProcess, type RelaySpec } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { clusterSystem, type System, stopAll } from './lib/system.ts';
import type { PgServer } from './s8-postgres.ts';

const ENDPOINTS = 6;
const SIZES = [1, 2, 3];

function spec(ctx: Ctx): RelaySpec {
  const names = Array.from({ length: ENDPOINTS }, (_, i) => `c${i}`);
  return {
    endpoints: names.map((name) => ({
      name,
      url: ctx.target.url(`/cluster/${name}`),
      concurrency: Math.ceil(DELIVERY_CONCURRENCY / ENDPOINTS),
    })),
    routes: names.map((name, i) => ({ types: [`t${i}`], to: [name] })),
  };
}

/** Starts `size` relays on a fresh database and waits (at most 20 s) until each owns its share. */
async function startCluster(ctx: Ctx, server: PgServer, size: number): Promise<System> {
  const database = await scratchDatabase(server.url, `relay_bench_cluster${size}`);
  const relays: RelayProcess[] = [];
  try {
    for (let i = 1; i <= size; i++) {
      const name = `cluster${size}-${i}`;
      const relaySpec = { ...spec(ctx), postgres: { url: database.url, instance: name } };
      relays.push(await RelayProcess.start(relaySpec, scratch(ctx, name), launchFor(ctx, 'pg-cluster')));
    }
    await evenShares(relays, size);
  } catch (error) {
    await Promise.allSettled(relays.map((relay) => relay.stop()));
    await database.drop();
    throw error;
  }
  const system = clusterSystem(`${size} relay(s)`, relays, { type: (i) => `t${i % ENDPOINTS}` });
  return { ...system, stop: () => system.stop().finally(() => database.drop()) };
}

async function evenShares(relays: readonly RelayProcess[], size: number): Promise<void> {
  const least = Math.floor(ENDPOINTS / size);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${relays[0]!.adminUrl}/admin/cluster`);
    const { members } = (await res.json()) as { members: { endpoints_owned: number }[] };
    if (members.length === size && members.every((m) => m.endpoints_owned >= least)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${size} relays did not share the endpoints within 20 s`);
}

export async function postgresCluster(ctx: Ctx, server: PgServer): Promise<Section> {
  const systems: System[] = [];
  try {
    for (const size of SIZES) systems.push(await startCluster(ctx, server, size));
    const runs = await alternate(ctx, systems, (system) =>
      withCpuSplit(system.pids, server.pid, () => pushThrough(ctx, system, { durationMs: ctx.plan.loadMs })),
    );
    const figures: Record<string, number> = {};
    const rows = systems.map((system, i) => {
      const own = runs[i]!;
      const perDelivery = (ms: (r: (typeof own)[number]) => number) =>
        med(own, (r) => ms(r) / Math.max(1, r.result.delivered));
      const relayMs = perDelivery((r) => sum(r.cpu.relayMs));
      const each = system.pids.map((_, k) => perDelivery((r) => r.cpu.relayMs[k]!).toFixed(3));
      figures[`rate${SIZES[i]}`] = med(own, (r) => r.result.rate);
      return deliveryRow(
        `2 end-to-end, ${SIZES[i]} relay(s) on one PostgreSQL ${server.version}, ${ENDPOINTS} endpoints (max)`,
        'events/s',
        system,
        own.map((r) => r.result),
        [
          ...cpuNotes({ relay: relayMs, server: perDelivery((r) => r.cpu.serverMs) }, 'deliveries', false),
          ...(system.pids.length > 1 ? [`each relay ${each.join(' / ')} CPU ms/delivery`] : []),
          `ingest ${Math.round(med(own, (r) => r.result.load.rate))} events/s acknowledged`,
        ],
      );
    });
    return {
      id: 'pg-cluster',
      rows,
      figures,
      notes: [
        `posted round-robin to every relay of a cluster; endpoint concurrency ${Math.ceil(DELIVERY_CONCURRENCY / ENDPOINTS)} each; the CPU and RSS columns sum a cluster's relays (not the server)`,
      ],
    };
  } finally {
    await stopAll(systems);
  }
}

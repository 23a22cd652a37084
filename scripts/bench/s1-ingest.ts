/**
 * Scenario 1, ingest: the endpoint is paused, so relay only accepts and
 * stores. Events/s acknowledged at full speed (closed loop) with
 * `durability: full` and `normal`, alternating round by round with the bare
 * target (reference 1) and with relay's store alone behind node:http (a
 * bound: ref-store-only-server.ts); then p50/p99 of the acknowledgement at a
 * fixed 2,000 events/s with `durability: full`, alternating with the store
 * alone (the latency's bound) and the bare target (the machine's own) at that
 * rate.
 */

import { type Ctx, launchFor, scratch } from './lib/context.ts';
import { type AckRun, acknowledge, ackRow, pairedRatio } from './lib/e2e.ts';
import { groupCommits, RelayProcess, type RelaySpec, setStateInDatabase } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';
import { bareSystem } from './ref-bare.ts';
import { storeOnlySystem } from './ref-store-only.ts';

export async function ingest(ctx: Ctx): Promise<Section> {
  const bare = bareSystem(ctx);
  const systems: System[] = [];
  const notes = new Set<string>();
  try {
    const start = async (durability: 'full' | 'normal') => {
      const { relay, how } = await startPaused(ctx, durability);
      systems.push(relaySystem(`relay (${durability})`, relay));
      notes.add(`endpoint paused ${how}`);
      return relay;
    };
    const fullRelay = await start('full');
    await start('normal');
    const [full, normal] = systems as [System, System];
    const storeOnly = await storeOnlySystem(ctx, 'full');
    systems.push(storeOnly);
    const commitsBefore = groupCommits(await fullRelay.metrics());
    const [bareRuns, fullRuns, normalRuns, storeOnlyRuns] = (await alternate(
      ctx,
      [bare, full, normal, storeOnly],
      (system) => acknowledge(system, { durationMs: ctx.plan.loadMs }),
    )) as [AckRun[], AckRun[], AckRun[], AckRun[]];
    const commitsAfter = groupCommits(await fullRelay.metrics());
    const perCommit =
      (commitsAfter.items - commitsBefore.items) / Math.max(1, commitsAfter.commits - commitsBefore.commits);
    const [fixedRuns, storeOnlyFixedRuns, bareFixedRuns] = (await alternate(
      ctx,
      [full, storeOnly, bare],
      (system) => acknowledge(system, { durationMs: ctx.plan.fixedMs, rate: ctx.plan.ingestRate }),
    )) as [AckRun[], AckRun[], AckRun[]];
    const fixedRate = `${ctx.plan.ingestRate.toLocaleString('en-US')} events/s`;
    const cpuPerEvent = (runs: AckRun[]) =>
      `${med(runs, (r) => (r.cpu.cpuSeconds * 1000) / Math.max(1, r.load.ok)).toFixed(3)} CPU ms/event`;
    const fullVsBare = pairedRatio(fullRuns, bareRuns, (r) => r.load.rate);
    const normalVsBare = pairedRatio(normalRuns, bareRuns, (r) => r.load.rate);
    const storeOnlyVsBare = pairedRatio(storeOnlyRuns, bareRuns, (r) => r.load.rate);
    return {
      id: 'ingest',
      rows: [
        ackRow('ref: bare target (HTTP ceiling)', bare, bareRuns, [], 'req/s'),
        ackRow('1 ingest, durability full (max)', full, fullRuns, [
          `${(fullVsBare * 100).toFixed(0)} % of bare`,
          cpuPerEvent(fullRuns),
          `${perCommit.toFixed(1)} events a commit`,
        ]),
        ackRow('1 ingest, durability normal (max)', normal, normalRuns, [
          `${(normalVsBare * 100).toFixed(0)} % of bare`,
          cpuPerEvent(normalRuns),
        ]),
        ackRow('bound: relay’s store alone behind node:http (full)', storeOnly, storeOnlyRuns, [
          `${(storeOnlyVsBare * 100).toFixed(0)} % of bare`,
          cpuPerEvent(storeOnlyRuns),
          'relay’s store with no routing, validation, metrics or logs around it',
        ]),
        ackRow(`1 ingest at ${fixedRate} (full)`, full, fixedRuns),
        ackRow(`bound: relay’s store alone at ${fixedRate} (full)`, storeOnly, storeOnlyFixedRuns),
        ackRow(`ref: bare target at ${fixedRate}`, bare, bareFixedRuns, [], 'req/s'),
      ],
      figures: {
        bareRate: med(bareRuns, (r) => r.load.rate),
        fullRate: med(fullRuns, (r) => r.load.rate),
        normalRate: med(normalRuns, (r) => r.load.rate),
        fullVsBare,
        normalVsBare,
        storeOnlyVsBare,
        fixedP99: med(fixedRuns, (r) => r.load.latency.p99),
        storeOnlyFixedP99: med(storeOnlyFixedRuns, (r) => r.load.latency.p99),
        bareFixedP99: med(bareFixedRuns, (r) => r.load.latency.p99),
      },
      notes: [...notes],
    };
  } finally {
    await stopAll(systems);
  }
}

/**
 * Starts relay with its one endpoint paused: through the admin API when this
 * relay has it, else by writing the paused state into its database before
 * it starts.
 */
async function startPaused(
  ctx: Ctx,
  durability: 'full' | 'normal',
): Promise<{ relay: RelayProcess; how: string }> {
  const spec: RelaySpec = {
    durability,
    endpoints: [{ name: 'sink', url: ctx.target.url('/s1') }],
    routes: [{ types: '*', to: ['sink'] }],
  };
  const dir = scratch(ctx, `ingest-${durability}`);
  const launch = launchFor(ctx, `ingest-${durability}`);
  const relay = await RelayProcess.start(spec, dir, launch);
  if (await relay.endpoint('sink', 'pause')) return { relay, how: 'through the admin API' };
  await relay.stop();
  setStateInDatabase(relay.dbPath, ['sink'], 'paused');
  return {
    relay: await RelayProcess.start(spec, dir, launch),
    how: 'in the database before start (this relay has no admin API)',
  };
}

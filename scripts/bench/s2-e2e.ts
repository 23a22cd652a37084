/**
 * Scenario 2, end to end: one endpoint. Sustained events/s delivered (closed
 * loop ingest, then every acknowledged event delivered; first request → last
 * delivery), alternating round by round with the naive forwarder and the
 * BullMQ peer (references 2 and 3) measured the same way, and with relay's
 * store alone followed by a forward (a bound: ref-store-only-server.ts). Then received →
 * delivered latency and relay's CPU per delivery at a fixed rate.
 */
import { type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { deliveryRow, pairedRatio, pushThrough, type ThroughputRun } from './lib/e2e.ts';
import { RelayProcess } from './lib/relay.ts';
import type { Row, Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';
import { bullmqSystem } from './ref-bullmq.ts';
import { naiveSystem } from './ref-naive.ts';
import { STORE_BOUND, storeOnlySystem } from './ref-store-only.ts';

/** relay with scenario 2's setup: one endpoint, every event routed to it. */
export async function singleEndpointRelay(ctx: Ctx, name: string): Promise<System> {
  const relay = await RelayProcess.start(
    {
      endpoints: [{ name: 'e2e', url: ctx.target.url('/e2e'), concurrency: DELIVERY_CONCURRENCY }],
      routes: [{ types: '*', to: ['e2e'] }],
    },
    scratch(ctx, name),
    launchFor(ctx, name),
  );
  return relaySystem('relay, one endpoint', relay);
}

export async function endToEnd(ctx: Ctx): Promise<Section> {
  const systems: System[] = [];
  const notes: string[] = [];
  try {
    const naive = await naiveSystem(ctx);
    systems.push(naive);
    const bullmq = await bullmqSystem(ctx);
    if ('skipped' in bullmq) notes.push(`BullMQ reference skipped: ${bullmq.skipped}`);
    else systems.push(bullmq);
    const relay = await singleEndpointRelay(ctx, 'e2e');
    systems.push(relay);
    const storeForward = await storeOnlySystem(ctx, 'full', '/store-forward');
    systems.push(storeForward);

    const runs = await alternate(ctx, systems, (system) =>
      pushThrough(ctx, system, { durationMs: ctx.plan.loadMs }),
    );
    const runsOf = (system: System) => runs[systems.indexOf(system)]!;
    const relayRuns = runsOf(relay);
    // The naive forwarder and the store alone at the same fixed rate, alternating: what one
    // request in and one out cost at that rate on this machine with nothing stored, and with the
    // event stored as relay stores it (bounds for the CPU goal).
    const [fixedRuns, naiveFixedRuns, storeFixedRuns] = (await alternate(
      ctx,
      [relay, naive, storeForward],
      (system) => pushThrough(ctx, system, { durationMs: ctx.plan.fixedMs, rate: ctx.plan.deliveryRate }),
    )) as [ThroughputRun[], ThroughputRun[], ThroughputRun[]];

    const ingestNote = (r: ThroughputRun[]) =>
      `ingest ${Math.round(med(r, (x) => x.load.rate))} events/s acknowledged`;
    const rows: Row[] = [deliveryRow('ref: naive forwarder (no storage)', 'events/s', naive, runsOf(naive))];
    const figures: Record<string, number> = {
      rate: med(relayRuns, (r) => r.rate),
      naiveRate: med(runsOf(naive), (r) => r.rate),
      vsNaive: pairedRatio(relayRuns, runsOf(naive), (r) => r.rate),
      cpuMsPerDelivery: med(fixedRuns, (r) => r.cpuMsPerDelivery),
      naiveCpuMsPerDelivery: med(naiveFixedRuns, (r) => r.cpuMsPerDelivery),
      storeForwardCpuMsPerDelivery: med(storeFixedRuns, (r) => r.cpuMsPerDelivery),
      fixedP99: med(fixedRuns, (r) => r.latency.p99),
    };
    const relayNotes = [ingestNote(relayRuns), `${(figures.vsNaive! * 100).toFixed(0)} % of naive`];
    const boundNotes = [ingestNote(runsOf(storeForward))];
    if (!('skipped' in bullmq)) {
      const bullRuns = runsOf(bullmq);
      rows.push(
        deliveryRow('ref: BullMQ + Redis (AOF everysec)', 'events/s', bullmq, bullRuns, [
          ingestNote(bullRuns),
        ]),
      );
      figures.bullmqRate = med(bullRuns, (r) => r.rate);
      figures.vsBullmq = pairedRatio(relayRuns, bullRuns, (r) => r.rate);
      relayNotes.push(`${figures.vsBullmq.toFixed(2)}× BullMQ`);
      figures.storeForwardVsBullmq = pairedRatio(runsOf(storeForward), bullRuns, (r) => r.rate);
      boundNotes.push(`${figures.storeForwardVsBullmq.toFixed(2)}× BullMQ`);
    }
    boundNotes.push(STORE_BOUND);
    rows.push(
      deliveryRow('2 end-to-end, one endpoint (max)', 'events/s', relay, relayRuns, relayNotes),
      deliveryRow(
        'bound: relay’s store alone, sent, outcomes written (full)',
        'events/s',
        storeForward,
        runsOf(storeForward),
        boundNotes,
      ),
      deliveryRow(
        `2 end-to-end at ${ctx.plan.deliveryRate.toLocaleString('en-US')} events/s`,
        'events/s',
        relay,
        fixedRuns,
      ),
      deliveryRow(
        `ref: naive forwarder at ${ctx.plan.deliveryRate.toLocaleString('en-US')} events/s`,
        'events/s',
        naive,
        naiveFixedRuns,
      ),
      deliveryRow(
        `bound: relay’s store alone at ${ctx.plan.deliveryRate.toLocaleString('en-US')} events/s`,
        'events/s',
        storeForward,
        storeFixedRuns,
        [STORE_BOUND],
      ),
    );
    return { id: 'e2e', rows, figures, notes };
  } finally {
    await stopAll(systems);
  }
}

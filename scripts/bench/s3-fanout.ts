/**
 * Scenario 3, fan-out: one route to 10 endpoints; deliveries/s, first request
 * → last delivery. Alternating round by round with two bounds: the naive
 * forwarder sending each event to 10 paths (the HTTP work alone, nothing
 * stored) and relay's store alone, each event stored with its 10 deliveries
 * claimed, sent 10 times and each outcome written (ref-store-only-server.ts), both over as many
 * connections as relay's 10 endpoints have slots.
 */
import { type Ctx, launchFor, scratch } from './lib/context.ts';
import { deliveryRow, pairedRatio, pushThrough, type ThroughputRun } from './lib/e2e.ts';
import { RelayProcess } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';
import { naiveSystem } from './ref-naive.ts';
import { STORE_BOUND, storeOnlySystem } from './ref-store-only.ts';

const FANOUT = 10;
const CONCURRENCY = 16;

export async function fanOut(ctx: Ctx): Promise<Section> {
  const names = Array.from({ length: FANOUT }, (_, k) => `f${k}`);
  const systems: System[] = [];
  try {
    const relay = relaySystem(
      'relay, fan-out',
      await RelayProcess.start(
        {
          endpoints: names.map((name) => ({
            name,
            url: ctx.target.url(`/fanout/${name}`),
            concurrency: CONCURRENCY,
          })),
          routes: [{ types: '*', to: names }],
        },
        scratch(ctx, 'fanout'),
        launchFor(ctx, 'fanout'),
      ),
      { fanout: FANOUT },
    );
    systems.push(relay);
    const slots = { paths: FANOUT, connections: FANOUT * CONCURRENCY };
    const naive = await naiveSystem(ctx, slots);
    systems.push(naive);
    const storeForward = await storeOnlySystem(ctx, 'full', '/store-fanout', slots);
    systems.push(storeForward);
    const [relayRuns, naiveRuns, storeRuns] = (await alternate(ctx, systems, (system) =>
      pushThrough(ctx, system, { durationMs: ctx.plan.drainTimeoutMs, maxRequests: ctx.plan.fanoutEvents }),
    )) as [ThroughputRun[], ThroughputRun[], ThroughputRun[]];
    const ingestNote = (runs: ThroughputRun[]) =>
      `ingest ${Math.round(med(runs, (r) => r.load.rate))} events/s acknowledged`;
    const vsNaive = pairedRatio(relayRuns, naiveRuns, (r) => r.rate);
    const vsStore = pairedRatio(relayRuns, storeRuns, (r) => r.rate);
    const events = ctx.plan.fanoutEvents.toLocaleString('en-US');
    return {
      id: 'fanout',
      rows: [
        deliveryRow(
          `ref: naive forwarder, fan-out ×${FANOUT} (no storage)`,
          'deliveries/s',
          naive,
          naiveRuns,
          [ingestNote(naiveRuns), 'answers each event once its 10 sends are answered'],
        ),
        deliveryRow(
          `bound: relay’s store alone, fan-out ×${FANOUT}, sent, outcomes written (full)`,
          'deliveries/s',
          storeForward,
          storeRuns,
          [ingestNote(storeRuns), STORE_BOUND],
        ),
        deliveryRow(`3 fan-out ×${FANOUT} (${events} events a round)`, 'deliveries/s', relay, relayRuns, [
          ingestNote(relayRuns),
          `${(vsNaive * 100).toFixed(0)} % of the naive fan-out`,
          `${(vsStore * 100).toFixed(0)} % of the store alone`,
        ]),
      ],
      figures: {
        rate: med(relayRuns, (r) => r.rate),
        naiveFanoutRate: med(naiveRuns, (r) => r.rate),
        storeFanoutRate: med(storeRuns, (r) => r.rate),
      },
      notes: [],
    };
  } finally {
    await stopAll(systems);
  }
}

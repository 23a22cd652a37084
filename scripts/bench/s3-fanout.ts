/** Scenario 3, fan-out: one route to 10 endpoints; deliveries/s, first request → last delivery. */
import { type Ctx, launchFor, scratch } from './lib/context.ts';
import { deliveryRow, pushThrough, type ThroughputRun } from './lib/e2e.ts';
import { RelayProcess } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { med } from './lib/rounds.ts';
import { relaySystem } from './lib/system.ts';

const FANOUT = 10;
const CONCURRENCY = 16;

export async function fanOut(ctx: Ctx): Promise<Section> {
  const names = Array.from({ length: FANOUT }, (_, k) => `f${k}`);
  const relay = await RelayProcess.start(
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
  );
  const system = relaySystem('relay, fan-out', relay, { fanout: FANOUT });
  try {
    const runs: ThroughputRun[] = [];
    for (let round = 0; round < ctx.plan.rounds; round++) {
      runs.push(
        await pushThrough(ctx, system, {
          durationMs: ctx.plan.drainTimeoutMs,
          maxRequests: ctx.plan.fanoutEvents,
        }),
      );
    }
    return {
      id: 'fanout',
      rows: [
        deliveryRow(
          `3 fan-out ×${FANOUT} (${ctx.plan.fanoutEvents.toLocaleString('en-US')} events a round)`,
          'deliveries/s',
          system,
          runs,
          [`ingest ${Math.round(med(runs, (r) => r.load.rate))} events/s acknowledged`],
        ),
      ],
      figures: { rate: med(runs, (r) => r.rate) },
      notes: [],
    };
  } finally {
    await relay.stop();
  }
}

/**
 * Scenario 6, isolation: every event goes to a healthy endpoint and to one
 * that never answers (its requests hang until relay's 5 s timeout, then are
 * retried on the schedule). The healthy endpoint's delivery rate is compared
 * with scenario 2's setup, measured the same way and alternating round by
 * round. Each event here also stores a second delivery, which scenario 2's
 * do not.
 */
import { type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { deliveryRow, pairedRatio, pushThrough, type ThroughputRun } from './lib/e2e.ts';
import { RelayProcess } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';
import { singleEndpointRelay } from './s2-e2e.ts';

export async function isolation(ctx: Ctx): Promise<Section> {
  const systems: System[] = [];
  try {
    const relay = await RelayProcess.start(
      {
        endpoints: [
          { name: 'healthy', url: ctx.target.url('/isolation'), concurrency: DELIVERY_CONCURRENCY },
          { name: 'stuck', url: ctx.target.url('/hang/isolation'), timeout: '5s' },
        ],
        routes: [{ types: '*', to: ['healthy', 'stuck'] }],
      },
      scratch(ctx, 'isolation'),
      launchFor(ctx, 'isolation'),
    );
    const isolated = relaySystem('relay, healthy + stuck', relay);
    systems.push(isolated);
    const single = await singleEndpointRelay(ctx, 'isolation-baseline');
    systems.push(single);

    let hung = 0;
    const [isolatedRuns, singleRuns] = (await alternate(ctx, [isolated, single], async (system) => {
      const run = await pushThrough(ctx, system, { durationMs: ctx.plan.loadMs });
      if (system === isolated) hung += (await ctx.target.stats()).hung;
      return run;
    })) as [ThroughputRun[], ThroughputRun[]];
    const vsSingle = pairedRatio(isolatedRuns, singleRuns, (r) => r.rate);
    return {
      id: 'isolation',
      rows: [
        deliveryRow('6 isolation: healthy beside a stuck endpoint', 'events/s', isolated, isolatedRuns, [
          `${(vsSingle * 100).toFixed(0)} % of one endpoint alone (${Math.round(med(singleRuns, (r) => r.rate))} events/s, measured alongside)`,
          `${hung} requests hung at the stuck endpoint`,
        ]),
      ],
      figures: { rate: med(isolatedRuns, (r) => r.rate), vsSingle },
      notes: [],
    };
  } finally {
    await stopAll(systems);
  }
}

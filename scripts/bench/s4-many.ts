/**
 * Scenario 4, many endpoints: 1,000 endpoints, each with its own route (by
 * event type), at scenario 2's fixed total rate, so each gets light traffic
 * (about 1 event/s at 1,000 events/s). relay's CPU per delivery is compared
 * with scenario 2's setup at the same rate, alternating round by round:
 * lanes must cost O(active), not O(configured). Also relay's CPU while idle
 * with 1,000 lanes.
 */
import { type Ctx, launchFor, scratch } from './lib/context.ts';
import { deliveryRow, pairedRatio, pushThrough, type ThroughputRun } from './lib/e2e.ts';
import { CpuWindow } from './lib/proc.ts';
import { RelayProcess } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { sleep } from './lib/stats.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';
import { singleEndpointRelay } from './s2-e2e.ts';

const ENDPOINTS = 1_000;
const IDLE_MS = 3_000;

export async function manyEndpoints(ctx: Ctx): Promise<Section> {
  const systems: System[] = [];
  try {
    const names = Array.from({ length: ENDPOINTS }, (_, k) => `m${k}`);
    const relay = await RelayProcess.start(
      {
        endpoints: names.map((name) => ({ name, url: ctx.target.url(`/many/${name}`) })),
        routes: names.map((name, k) => ({ types: [`t${k}`], to: [name] })),
      },
      scratch(ctx, 'many'),
      launchFor(ctx, 'many'),
    );
    // Spread over every endpoint, not in order.
    const many = relaySystem('relay, 1,000 endpoints', relay, { type: (i) => `t${(i * 7919) % ENDPOINTS}` });
    systems.push(many);
    const single = await singleEndpointRelay(ctx, 'many-baseline');
    systems.push(single);

    await sleep(500);
    const idle = new CpuWindow(relay.pid).start();
    await sleep(IDLE_MS);
    idle.stop();

    const [manyRuns, singleRuns] = (await alternate(ctx, [many, single], (system) =>
      pushThrough(ctx, system, { durationMs: ctx.plan.fixedMs, rate: ctx.plan.deliveryRate }),
    )) as [ThroughputRun[], ThroughputRun[]];
    const vsSingle = pairedRatio(manyRuns, singleRuns, (r) => r.cpuMsPerDelivery);
    return {
      id: 'many',
      rows: [
        deliveryRow(
          `4 many endpoints (${ENDPOINTS.toLocaleString('en-US')}) at ${ctx.plan.deliveryRate.toLocaleString('en-US')} events/s`,
          'events/s',
          many,
          manyRuns,
          [
            `${vsSingle.toFixed(2)}× the CPU per delivery of one endpoint at the same rate (${med(singleRuns, (r) => r.cpuMsPerDelivery).toFixed(3)} ms, measured alongside)`,
            `idle CPU with ${ENDPOINTS.toLocaleString('en-US')} lanes ${(idle.cores * 100).toFixed(1)} %`,
          ],
        ),
      ],
      figures: {
        cpuMsPerDelivery: med(manyRuns, (r) => r.cpuMsPerDelivery),
        singleCpuMsPerDelivery: med(singleRuns, (r) => r.cpuMsPerDelivery),
        vsSingle,
        idleCores: idle.cores,
      },
      notes: [],
    };
  } finally {
    await stopAll(systems);
  }
}

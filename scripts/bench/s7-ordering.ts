/**
 * Per-key ordering's cost: scenario 2 (one endpoint, closed-loop ingest,
 * every acknowledged event delivered) with `ordering: { key: type }` where
 * every event has a key of its own, beside the same relay without ordering,
 * alternating round by round. One key per event is the dearest case for
 * the store (each claim probes every candidate's key) and the cheapest for
 * the lane (no event ever waits for another), so the ratio is what the
 * bookkeeping costs.
 */
import { type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { deliveryRow, pairedRatio, pushThrough } from './lib/e2e.ts';
import { RelayProcess } from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { alternate, med } from './lib/rounds.ts';
import { relaySystem, type System, stopAll } from './lib/system.ts';

/** Request i's event type, which is also its ordering key: a key of its own. */
const ownKey = (i: number) => `k${i}`;

async function oneEndpointRelay(ctx: Ctx, name: string, ordered: boolean): Promise<System> {
  const relay = await RelayProcess.start(
    {
      endpoints: [
        {
          name: 'e2e',
          url: ctx.target.url('/e2e'),
          concurrency: DELIVERY_CONCURRENCY,
          ...(ordered ? { orderBy: 'type' } : {}),
        },
      ],
      routes: [{ types: '*', to: ['e2e'] }],
    },
    scratch(ctx, name),
    launchFor(ctx, name),
  );
  return relaySystem(ordered ? 'relay, ordering on' : 'relay, ordering off', relay, { type: ownKey });
}

export async function ordering(ctx: Ctx): Promise<Section> {
  const systems: System[] = [];
  try {
    const off = await oneEndpointRelay(ctx, 'ordering-off', false);
    systems.push(off);
    const on = await oneEndpointRelay(ctx, 'ordering-on', true);
    systems.push(on);
    const [offRuns, onRuns] = await alternate(ctx, systems, (system) =>
      pushThrough(ctx, system, { durationMs: ctx.plan.loadMs }),
    );
    const onVsOff = pairedRatio(onRuns!, offRuns!, (r) => r.rate);
    // CPU per delivery moves less with the machine's other load than a rate does.
    const cpuOnVsOff = pairedRatio(onRuns!, offRuns!, (r) => r.cpuMsPerDelivery);
    return {
      id: 'ordering',
      rows: [
        deliveryRow('7 end-to-end, one endpoint, ordering off', 'events/s', off, offRuns!),
        deliveryRow('7 end-to-end, ordering on (a key per event)', 'events/s', on, onRuns!, [
          `${(onVsOff * 100).toFixed(0)} % of ordering off`,
          `${cpuOnVsOff.toFixed(2)}× its CPU per delivery`,
        ]),
      ],
      figures: {
        offRate: med(offRuns!, (r) => r.rate),
        onRate: med(onRuns!, (r) => r.rate),
        onVsOff,
        cpuOnVsOff,
      },
      notes: [],
    };
  } finally {
    await stopAll(systems);
  }
}

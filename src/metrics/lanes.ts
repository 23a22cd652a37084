import { Gauge, type Registry } from 'prom-client';
import type { EndpointAdminState } from '../store/store.ts';

/** What the queue gauges read at scrape time, from memory (never a COUNT query). */
export interface LaneSnapshot {
  endpoint: string;
  pending: number;
  inFlight: number;
  state: EndpointAdminState;
  circuitOpen: boolean;
  /** The config no longer names the endpoint: its deliveries are held. */
  held: boolean;
}

/** relay_queue_depth, set from the lane snapshot at each scrape. */
export function queueDepthGauge(
  registry: Registry,
  lanes: () => LaneSnapshot[],
): Gauge<'endpoint' | 'state'> {
  return laneGauge(
    registry,
    'relay_queue_depth',
    'Unfinished deliveries, by endpoint and state (pending | in_flight | held: the config no longer names the endpoint).',
    lanes,
    (gauge, lane) => {
      if (lane.held) {
        gauge.set({ endpoint: lane.endpoint, state: 'held' }, lane.pending + lane.inFlight);
        return;
      }
      gauge.set({ endpoint: lane.endpoint, state: 'pending' }, lane.pending);
      gauge.set({ endpoint: lane.endpoint, state: 'in_flight' }, lane.inFlight);
    },
  );
}

/** relay_oldest_pending_seconds, from the ages in ms of each endpoint's oldest unfinished delivery. */
export function oldestPendingGauge(
  registry: Registry,
  lanes: () => LaneSnapshot[],
  oldestAges: () => Promise<Map<string, number>>,
): Gauge<'endpoint'> {
  const gauge: Gauge<'endpoint'> = new Gauge({
    name: 'relay_oldest_pending_seconds',
    help: 'Age of the oldest unfinished delivery, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
    // One store read per scrape for every endpoint at once; the counts above come from memory.
    collect: async () => {
      const ages = await oldestAges();
      gauge.reset();
      for (const lane of lanes()) {
        gauge.set({ endpoint: lane.endpoint }, (ages.get(lane.endpoint) ?? 0) / 1000);
      }
    },
  });
  return gauge;
}

/** relay_endpoint_state, set from the lane snapshot at each scrape. */
export function endpointStateGauge(
  registry: Registry,
  lanes: () => LaneSnapshot[],
): Gauge<'endpoint' | 'state'> {
  return laneGauge(
    registry,
    'relay_endpoint_state',
    'Endpoint state: 1 for the current one of active | paused | disabled, and circuit_open while its circuit is open.',
    lanes,
    (gauge, lane) => {
      if (lane.held) return;
      for (const state of ['active', 'paused', 'disabled'] as const) {
        gauge.set({ endpoint: lane.endpoint, state }, lane.state === state ? 1 : 0);
      }
      gauge.set({ endpoint: lane.endpoint, state: 'circuit_open' }, lane.circuitOpen ? 1 : 0);
    },
  );
}

/** A gauge by endpoint and state, set anew from the lane snapshot at each scrape. */
function laneGauge(
  registry: Registry,
  name: string,
  help: string,
  lanes: () => LaneSnapshot[],
  setFor: (gauge: Gauge<'endpoint' | 'state'>, lane: LaneSnapshot) => void,
): Gauge<'endpoint' | 'state'> {
  const gauge: Gauge<'endpoint' | 'state'> = new Gauge({
    name,
    help,
    labelNames: ['endpoint', 'state'] as const,
    registers: [registry],
    collect: () => {
      gauge.reset();
      for (const lane of lanes()) setFor(gauge, lane);
    },
  });
  return gauge;
}

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EndpointAdminState } from './store/store.ts';

/** Why ingest refused a request: a fixed set, so label values stay bounded. */
export type RejectReason =
  | 'unauthorized'
  | 'body_too_large'
  | 'bad_request'
  | 'unsupported_media_type'
  | 'unavailable';

/** How one delivery attempt ended: a fixed set. */
export type AttemptOutcome =
  | 'success'
  | 'http_error'
  | 'timeout'
  | 'connection_error'
  | 'rate_limited'
  | 'gone'
  | 'cancelled';

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

/**
 * Gauges among prom-client's default metrics that end in _total, which
 * Prometheus's linter (`promtool check metrics`) refuses on a non-counter.
 * The gauges by type beside them (nodejs_active_handles{type}, …) hold the
 * same counts: sum them for the totals.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** What the readiness and disk gauges read at scrape time. */
export interface HealthSnapshot {
  ready(): Promise<boolean>;
  /** Undefined where the store does not write to a local disk (a remote database). */
  diskFreeBytes(): number | undefined;
  minFreeDiskBytes(): number;
}

/** How a config reload ended: a fixed set. */
export type ReloadResult = 'success' | 'error' | 'restart_required';

/** Stands for any source or type the config does not name. */
export const OTHER_LABEL = 'other';

/**
 * Every relay_* metric, defined in one place on a registry of this relay's own
 * (so several relays in one test process never share series).
 */
export class RelayMetrics {
  readonly registry = new Registry();

  readonly eventsReceived = new Counter({
    name: 'relay_events_received_total',
    help: 'Events accepted and stored, by source and type (types the config does not name count as "other").',
    labelNames: ['source', 'type'] as const,
    registers: [this.registry],
  });

  readonly eventsRejected = new Counter({
    name: 'relay_events_rejected_total',
    help: 'Ingest requests refused, by source and reason.',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly eventsDuplicate = new Counter({
    name: 'relay_events_duplicate_total',
    help: 'Requests answered as duplicates of an event seen within the dedup window.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly eventsUnmappedType = new Counter({
    name: 'relay_events_unmapped_type_total',
    help: "Events whose type value the source's type map does not name (kept as it is).",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly eventsUnrouted = new Counter({
    name: 'relay_events_unrouted_total',
    help: 'Events stored that matched no route (0 deliveries).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly clusterMembers = new Gauge({
    name: 'relay_cluster_members',
    help: 'Relays sharing the database that were seen within cluster.lease, this one included (1 on SQLite).',
    registers: [this.registry],
  });

  readonly clusterEndpointsOwned = new Gauge({
    name: 'relay_cluster_endpoints_owned',
    help: 'Endpoints whose lease this relay holds: the lanes it dispatches (every endpoint on SQLite).',
    registers: [this.registry],
  });

  readonly storeCommits = new Counter({
    name: 'relay_store_commits_total',
    help: 'Outbox transactions committed (group commit: one per batch of requests).',
    registers: [this.registry],
  });

  readonly storeCommittedItems = new Counter({
    name: 'relay_store_committed_items_total',
    help: 'Requests written through those transactions.',
    registers: [this.registry],
  });

  readonly deliveryAttempts = new Counter({
    name: 'relay_delivery_attempts_total',
    help: 'Delivery attempts, by endpoint and outcome.',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly deliveriesCompleted = new Counter({
    name: 'relay_deliveries_completed_total',
    help: 'Deliveries finished, by endpoint and result (delivered | dead).',
    labelNames: ['endpoint', 'result'] as const,
    registers: [this.registry],
  });

  readonly deliveryDuration = new Histogram({
    name: 'relay_delivery_duration_seconds',
    help: 'Duration of one delivery attempt.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly endToEnd = new Histogram({
    name: 'relay_end_to_end_seconds',
    help: 'From an event being received to its delivery succeeding.',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 3600, 86400],
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'relay_config_reloads_total',
    help: 'Config reloads, by result (success | error: the file is invalid | restart_required: it changes a restart-only setting; either way the running config stayed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly configLastReloadSuccessful = new Gauge({
    name: 'relay_config_last_reload_successful',
    help: '1 while the running config is the last one the file gave (start or successful reload), 0 after a refused reload.',
    registers: [this.registry],
  });

  private lanes: () => LaneSnapshot[] = () => [];
  private oldestAges: () => Promise<Map<string, number>> = async () => new Map();

  readonly queueDepth = new Gauge({
    name: 'relay_queue_depth',
    help: 'Unfinished deliveries, by endpoint and state (pending | in_flight | held: the config no longer names the endpoint).',
    labelNames: ['endpoint', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      this.queueDepth.reset();
      for (const lane of this.lanes()) {
        if (lane.held) {
          this.queueDepth.set({ endpoint: lane.endpoint, state: 'held' }, lane.pending + lane.inFlight);
          continue;
        }
        this.queueDepth.set({ endpoint: lane.endpoint, state: 'pending' }, lane.pending);
        this.queueDepth.set({ endpoint: lane.endpoint, state: 'in_flight' }, lane.inFlight);
      }
    },
  });

  readonly oldestPending = new Gauge({
    name: 'relay_oldest_pending_seconds',
    help: 'Age of the oldest unfinished delivery, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
    // One store read per scrape for every endpoint at once; the counts above come from memory.
    collect: async () => {
      const ages = await this.oldestAges();
      this.oldestPending.reset();
      for (const lane of this.lanes()) {
        this.oldestPending.set({ endpoint: lane.endpoint }, (ages.get(lane.endpoint) ?? 0) / 1000);
      }
    },
  });

  readonly thresholdHeld = new Counter({
    name: 'relay_threshold_held_total',
    help: 'Events a route with a threshold held back (its key had not reached the count), by route.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly backgroundErrors = new Counter({
    name: 'relay_background_errors_total',
    help: 'Failures of background tasks (retention, lease sweep, readiness probe, operational events), by task.',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });

  readonly streamClients = new Gauge({
    name: 'relay_stream_clients',
    help: 'Readers of GET /admin/stream connected now.',
    registers: [this.registry],
  });

  readonly streamDropped = new Counter({
    name: 'relay_stream_dropped_total',
    help: 'Stream readers cut off because they read too slowly (their unsent output passed its cap).',
    registers: [this.registry],
  });

  readonly endpointState = new Gauge({
    name: 'relay_endpoint_state',
    help: 'Endpoint state: 1 for the current one of active | paused | disabled, and circuit_open while its circuit is open.',
    labelNames: ['endpoint', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      this.endpointState.reset();
      for (const lane of this.lanes()) {
        if (lane.held) continue;
        for (const state of ['active', 'paused', 'disabled'] as const) {
          this.endpointState.set({ endpoint: lane.endpoint, state }, lane.state === state ? 1 : 0);
        }
        this.endpointState.set({ endpoint: lane.endpoint, state: 'circuit_open' }, lane.circuitOpen ? 1 : 0);
      }
    },
  });

  // What the alert rules in deploy/prometheus/ need beyond the flow above:
  // readiness and disk headroom, read at scrape time.

  private health: HealthSnapshot | undefined;

  readonly ready = this.healthGauge(
    'relay_ready',
    '1 while /readyz answers 200 (database writable, not shutting down), else 0.',
    async (health) => ((await health.ready()) ? 1 : 0),
  );

  readonly diskFree = this.healthGauge(
    'relay_disk_free_bytes',
    "Free space for relay on the database's filesystem.",
    (health) => health.diskFreeBytes(),
  );

  readonly diskMinFree = this.healthGauge(
    'relay_disk_min_free_bytes',
    'limits.min_free_disk: below this much free space ingest answers 503.',
    (health) => health.minFreeDiskBytes(),
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);
  }

  /** Drops the delivery series of an endpoint the config no longer names. */
  async forgetEndpoint(endpoint: string): Promise<void> {
    for (const counter of [this.deliveryAttempts, this.deliveriesCompleted]) {
      const { values } = await counter.get();
      for (const { labels } of values) {
        if (labels.endpoint === endpoint) counter.remove(labels as never);
      }
    }
    this.deliveryDuration.remove({ endpoint });
    this.endToEnd.remove({ endpoint });
  }

  /**
   * Where the queue gauges read from, set once the dispatcher exists: lane
   * counts from memory, and the age in ms of each endpoint's oldest
   * unfinished delivery.
   */
  observeLanes(snapshot: () => LaneSnapshot[], oldestAges: () => Promise<Map<string, number>>): void {
    this.lanes = snapshot;
    this.oldestAges = oldestAges;
  }

  /** Where readiness and disk headroom are read from at scrape time. */
  observeHealth(health: HealthSnapshot): void {
    this.health = health;
  }

  /** A gauge set from the health snapshot at each scrape (none until one is observed). */
  private healthGauge(
    name: string,
    help: string,
    read: (health: HealthSnapshot) => number | undefined | Promise<number>,
  ): Gauge {
    const gauge: Gauge = new Gauge({
      name,
      help,
      registers: [this.registry],
      collect: async () => {
        const value = this.health && (await read(this.health));
        if (value !== undefined) gauge.set(value);
      },
    });
    return gauge;
  }
}

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type HealthSnapshot, healthGauge } from './metrics/health.ts';
import {
  endpointStateGauge,
  type LaneSnapshot,
  oldestPendingGauge,
  queueDepthGauge,
} from './metrics/lanes.ts';

export type { HealthSnapshot } from './metrics/health.ts';
export { type AttemptOutcome, OTHER_LABEL, type RejectReason, type ReloadResult } from './metrics/labels.ts';
export type { LaneSnapshot } from './metrics/lanes.ts';

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

  readonly queueDepth = queueDepthGauge(this.registry, () => this.lanes());

  readonly oldestPending = oldestPendingGauge(
    this.registry,
    () => this.lanes(),
    () => this.oldestAges(),
  );

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

  readonly endpointState = endpointStateGauge(this.registry, () => this.lanes());

  // What the alert rules in deploy/prometheus/ need beyond the flow above:
  // readiness and disk headroom, read at scrape time.

  private health: HealthSnapshot | undefined;

  readonly ready = healthGauge(
    this.registry,
    () => this.health,
    'relay_ready',
    '1 while /readyz answers 200 (database writable, not shutting down), else 0.',
    async (health) => ((await health.ready()) ? 1 : 0),
  );

  readonly diskFree = healthGauge(
    this.registry,
    () => this.health,
    'relay_disk_free_bytes',
    "Free space for relay on the database's filesystem.",
    (health) => health.diskFreeBytes(),
  );

  readonly diskMinFree = healthGauge(
    this.registry,
    () => this.health,
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
}

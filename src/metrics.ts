import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/** Why ingest refused a request: a fixed set, so label values stay bounded. */
export type RejectReason =
  | 'unauthorized'
  | 'body_too_large'
  | 'bad_request'
  | 'unsupported_media_type'
  | 'unavailable';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

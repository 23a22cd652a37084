import type { Clock } from '../clock.ts';
import type { BackgroundFailures, Logger } from '../log.ts';
import type { RoutingTable } from '../routing/match.ts';
import type { Backlog } from '../store/backlog.ts';
import type { Store } from '../store/store.ts';
import { newEventId } from './event-id.ts';
import { publishReceived } from './observe.ts';

/** The built-in source of relay's own events. */
export const RELAY_SOURCE = 'relay';
export const OPS_EVENT_TYPES = [
  'endpoint.disabled',
  'endpoint.removed',
  'endpoint.recovered',
  'delivery.dead',
] as const;
export type OpsEventType = (typeof OPS_EVENT_TYPES)[number];

/** Dead deliveries of one endpoint are reported together, at most once a minute. */
const DEAD_WINDOW_MS = 60_000;
/** How many dead deliveries one `delivery.dead` event lists by id (it always carries the count). */
const DEAD_SAMPLE = 20;

export interface OpsEventsDeps {
  routing: () => RoutingTable;
  store: Store;
  backlog: Backlog;
  clock: Clock;
  log: Logger;
  failures: BackgroundFailures;
  /** After the commit: one pending delivery of this endpoint was stored. */
  added: (endpoint: string) => void;
}

/** One dead delivery, as a `delivery.dead` event lists it. */
export interface DeadReport {
  deliveryId: number;
  eventId: string;
  attempts: number;
  status: number | undefined;
  error: string | undefined;
}

interface DeadGroup {
  firstAt: number;
  count: number;
  deliveries: DeadReport[];
  timer: NodeJS.Timeout;
}

/**
 * relay's operational events (`endpoint.disabled`, `endpoint.recovered`,
 * `delivery.dead`) enter the outbox like any event of the source `relay`, so
 * routes send them anywhere with the usual retries and signatures. An event
 * about an endpoint is never routed to that same endpoint: a dead endpoint
 * must not feed itself, and `delivery.dead` is grouped per endpoint per
 * minute so it cannot flood anyone.
 */
export class OperationalEvents {
  private readonly deps: OpsEventsDeps;
  private readonly dead = new Map<string, DeadGroup>();

  constructor(deps: OpsEventsDeps) {
    this.deps = deps;
  }

  endpointDisabled(endpoint: string, status: number): void {
    this.emit('endpoint.disabled', endpoint, {
      reason: `answered ${status}`,
      action: 'deliveries are held until the endpoint is enabled again (relay enable <endpoint>)',
    });
  }

  /** An endpoint that asked to be removed (410 Gone, `on_gone: remove`) is gone, its pending deliveries dropped. */
  endpointRemoved(endpoint: string, dropped: number): void {
    this.emit('endpoint.removed', endpoint, { reason: 'answered 410 Gone', dropped_deliveries: dropped });
  }

  endpointRecovered(endpoint: string): void {
    this.emit('endpoint.recovered', endpoint, {});
  }

  deliveryDead(endpoint: string, dead: DeadReport): void {
    const group = this.dead.get(endpoint);
    if (group) {
      group.count++;
      if (group.deliveries.length < DEAD_SAMPLE) group.deliveries.push(dead);
      return;
    }
    const timer = setTimeout(() => this.flushDead(endpoint), DEAD_WINDOW_MS);
    timer.unref();
    this.dead.set(endpoint, { firstAt: this.deps.clock.now(), count: 1, deliveries: [dead], timer });
  }

  /** Emits the grouped dead reports now (at shutdown, so none is lost with the timer). */
  flush(): void {
    for (const endpoint of [...this.dead.keys()]) this.flushDead(endpoint);
  }

  private flushDead(endpoint: string): void {
    const group = this.dead.get(endpoint);
    if (!group) return;
    clearTimeout(group.timer);
    this.dead.delete(endpoint);
    this.emit('delivery.dead', endpoint, {
      count: group.count,
      first_at: new Date(group.firstAt).toISOString(),
      deliveries: group.deliveries.map((d) => ({
        delivery_id: d.deliveryId,
        event_id: d.eventId,
        attempts: d.attempts,
        last_status: d.status ?? null,
        last_error: d.error ?? null,
      })),
    });
  }

  private emit(type: OpsEventType, endpoint: string, details: Record<string, unknown>): void {
    const { routing, store, backlog, clock, log, failures, added } = this.deps;
    const now = clock.now();
    const payload = { type, endpoint, at: new Date(now).toISOString(), ...details };
    const endpoints = routing()
      .endpointsFor({ source: RELAY_SOURCE, type, payload })
      .filter((name) => name !== endpoint);
    const id = newEventId();
    backlog
      .writing(endpoints, () =>
        store.enqueue({
          id,
          source: RELAY_SOURCE,
          type,
          receivedAt: now,
          contentType: 'application/json',
          body: Buffer.from(JSON.stringify(payload)),
          endpoints,
          idempotency: undefined,
        }),
      )
      .then(
        () => {
          failures.recovered('ops_event');
          publishReceived({ eventId: id, source: RELAY_SOURCE, type, receivedAt: now, endpoints });
          for (const name of endpoints) added(name);
          log.info({ event: id, type, endpoint, to: endpoints }, 'operational event');
        },
        (error: unknown) => failures.report('ops_event', error),
      );
  }
}

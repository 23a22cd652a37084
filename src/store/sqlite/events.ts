import type { Statement } from 'better-sqlite3';
import { type EventRow, toStoredEvent } from '../rows.ts';
import type { ClaimedDelivery, EnqueueResult, NewEvent, StoredEvent } from '../store.ts';
import type { Db } from './db.ts';
import { ThresholdStatements } from './thresholds.ts';

/** The id of a new delivery: above every stored one and every one pruned (migration 005). */
export const NEXT_DELIVERY_ID = `(SELECT max(coalesce((SELECT max(id) FROM deliveries), 0),
  (SELECT id FROM delivery_id_floor)) + 1)`;

/**
 * Events, their idempotency keys and their first deliveries: one prepared
 * statement per operation. Synchronous, inside the transaction the group
 * commit owns, so requests that arrive together share one fsync.
 */
export class EventStatements {
  private readonly findKey: Statement<[string, string, number], { event_id: string }>;
  private readonly putKey: Statement<[string, string, string, number]>;
  private readonly insertEvent: Statement<[string, string, string, number, string | null, Buffer]>;
  private readonly insertDelivery: Statement<[string, string, number, number, string | null]>;
  private readonly insertLeased: Statement<[string, string, number, number, number], { id: number }>;
  private readonly selectEvent: Statement<[string], EventRow>;
  readonly thresholds: ThresholdStatements;

  constructor(db: Db) {
    this.findKey = db.prepare(
      'SELECT event_id FROM idempotency_keys WHERE source = +? AND key = +? AND expires_at > +?',
    );
    this.putKey = db.prepare(
      'INSERT OR REPLACE INTO idempotency_keys (source, key, event_id, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.insertEvent = db.prepare(
      'INSERT INTO events (id, source, type, received_at, content_type, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // OR IGNORE: an endpoint both a plain route and an opened threshold gate name gets the event once.
    this.insertDelivery = db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, event_id, endpoint, state, attempts, created_at, next_attempt_at, order_key)
       VALUES (${NEXT_DELIVERY_ID}, ?, ?, 'pending', 0, ?, ?, ?)`,
    );
    // Claimed as it is stored (its first claim): the relay sends it at commit, with no claim query.
    this.insertLeased = db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, event_id, endpoint, state, attempts, created_at, next_attempt_at,
         lease_until, claim)
       VALUES (${NEXT_DELIVERY_ID}, ?, ?, 'in_flight', 0, ?, ?, ?, 1) RETURNING id`,
    );
    this.thresholds = new ThresholdStatements(db, this.insertDelivery);
    this.selectEvent = db.prepare(
      'SELECT id, source, type, received_at, content_type, body FROM events WHERE id = ?',
    );
  }

  /** Stores an event and its deliveries, unless its idempotency key was seen within the window. */
  enqueue(event: NewEvent): EnqueueResult {
    if (event.idempotency) {
      const seen = this.findKey.get(event.source, event.idempotency.key, event.receivedAt);
      if (seen) return { duplicateOf: seen.event_id };
      this.putKey.run(event.source, event.idempotency.key, event.id, event.idempotency.expiresAt);
    }
    this.insertEvent.run(
      event.id,
      event.source,
      event.type,
      event.receivedAt,
      event.contentType ?? null,
      event.body,
    );
    const leased: ClaimedDelivery[] = [];
    for (const endpoint of event.endpoints) {
      if (event.lease?.endpoints.includes(endpoint) && event.orderKeys?.[endpoint] === undefined) {
        const row = this.insertLeased.get(
          event.id,
          endpoint,
          event.receivedAt,
          event.receivedAt,
          event.lease.until,
        );
        if (row) leased.push(claimedAtStore(event, endpoint, row.id));
        continue;
      }
      this.insertDelivery.run(
        event.id,
        endpoint,
        event.receivedAt,
        event.receivedAt,
        event.orderKeys?.[endpoint] ?? null,
      );
    }
    if (!event.gates?.length) {
      return { duplicateOf: undefined, endpoints: [...event.endpoints], held: [], leased };
    }
    const gated = this.thresholds.decide(event, new Set(event.endpoints));
    return {
      duplicateOf: undefined,
      endpoints: [...event.endpoints, ...gated.endpoints],
      held: gated.held,
      leased,
    };
  }

  event(id: string): StoredEvent | undefined {
    const row = this.selectEvent.get(id);
    return row && toStoredEvent(row);
  }
}

/** A delivery stored claimed by `insertLeased`: everything its attempt needs is in the event. */
function claimedAtStore(event: NewEvent, endpoint: string, id: number): ClaimedDelivery {
  return {
    id,
    claim: 1,
    eventId: event.id,
    endpoint,
    attempts: 0,
    step: 0,
    createdAt: event.receivedAt,
    source: event.source,
    type: event.type,
    contentType: event.contentType,
    body: event.body,
  };
}

import type { Statement } from 'better-sqlite3';
import type { EventHold, NewEvent, ThresholdGate } from '../store.ts';
import type { Db } from './db.ts';

/**
 * Threshold routes, decided inside the event's own transaction: the hit is
 * recorded and counted in the same savepoint that stores the event, so a
 * crash can neither lose a count nor make one twice.
 */
export class ThresholdStatements {
  private readonly insertHit: Statement<[string, string, number, number, string]>;
  private readonly countHits: Statement<[string, string, number], { n: number }>;
  private readonly insertHold: Statement<[string, string, string]>;
  private readonly addDelivery: Statement<[string, string, number, number, string | null]>;
  private readonly holdsOfEvent: Statement<[string], EventHold>;
  private readonly heldByOfEvents: Statement<[string], { event_id: string; route: string }>;
  private readonly pruneHits: Statement<[number, number]>;
  private readonly pruneHolds: Statement<[number]>;

  /** `addDelivery`: the outbox's own insert of a new delivery (it ignores one the event already has). */
  constructor(db: Db, addDelivery: Statement<[string, string, number, number, string | null]>) {
    this.addDelivery = addDelivery;
    this.insertHit = db.prepare(
      'INSERT INTO threshold_hits (route, key, at, expires_at, event_id) VALUES (?, ?, ?, ?, ?)',
    );
    this.countHits = db.prepare(
      'SELECT count(*) AS n FROM threshold_hits WHERE route = ? AND key = ? AND at > ?',
    );
    this.insertHold = db.prepare(
      'INSERT OR IGNORE INTO event_holds (event_id, route, reason) VALUES (?, ?, ?)',
    );
    this.holdsOfEvent = db.prepare('SELECT route, reason FROM event_holds WHERE event_id = ? ORDER BY route');
    this.heldByOfEvents = db.prepare(
      'SELECT event_id, route FROM event_holds WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY route',
    );
    this.pruneHits = db.prepare(
      `DELETE FROM threshold_hits WHERE rowid IN
         (SELECT rowid FROM threshold_hits WHERE expires_at <= ? LIMIT ?)`,
    );
    this.pruneHolds = db.prepare(
      `DELETE FROM event_holds WHERE event_id IN
         (SELECT h.event_id FROM event_holds h WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = h.event_id) LIMIT ?)`,
    );
  }

  /**
   * Counts the event for each gate and creates the deliveries of those that
   * open. Returns the endpoints that got one and the routes that held it.
   */
  decide(event: NewEvent, already: ReadonlySet<string>): { endpoints: string[]; held: string[] } {
    const { id: eventId, receivedAt } = event;
    const endpoints: string[] = [];
    const held: string[] = [];
    for (const gate of event.gates ?? []) {
      const reason = this.count(eventId, receivedAt, gate);
      if (reason !== undefined) {
        this.insertHold.run(eventId, gate.route, reason);
        held.push(gate.route);
        continue;
      }
      for (const endpoint of gate.endpoints) {
        if (already.has(endpoint) || endpoints.includes(endpoint)) continue;
        const orderKey = event.orderKeys?.[endpoint] ?? null;
        if (this.addDelivery.run(eventId, endpoint, receivedAt, receivedAt, orderKey).changes === 1) {
          endpoints.push(endpoint);
        }
      }
    }
    return { endpoints, held };
  }

  holdsOf(eventId: string): EventHold[] {
    return this.holdsOfEvent.all(eventId);
  }

  /** The routes that held each of these events back. */
  heldBy(eventIds: readonly string[]): Map<string, string[]> {
    const byEvent = new Map<string, string[]>();
    for (const row of this.heldByOfEvents.all(JSON.stringify(eventIds))) {
      byEvent.set(row.event_id, [...(byEvent.get(row.event_id) ?? []), row.route]);
    }
    return byEvent;
  }

  /** One batch of hits whose window has passed, and holds of events no longer stored. */
  prune(now: number, limit: number): number {
    return this.pruneHits.run(now, limit).changes + this.pruneHolds.run(limit).changes;
  }

  /** Undefined when the gate opens for this event, else why it held it back. */
  private count(eventId: string, receivedAt: number, gate: ThresholdGate): string | undefined {
    if (gate.key === undefined) return 'threshold: the event has no key';
    this.insertHit.run(gate.route, gate.key, receivedAt, receivedAt + gate.within, eventId);
    const n = this.countHits.get(gate.route, gate.key, receivedAt - gate.within)!.n;
    const open = gate.once ? n === gate.count : n >= gate.count;
    if (open) return undefined;
    return n < gate.count
      ? `threshold: ${n} of ${gate.count} within the window`
      : `threshold: reached already (once), ${n} within the window`;
  }
}

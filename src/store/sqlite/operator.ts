import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';

/** A state a replay can take deliveries back from. */
export type ReplayState = 'dead' | 'delivered';

/**
 * An operator's changes to deliveries, one prepared statement each. Like the
 * outbox, every method is synchronous and runs inside a transaction its
 * caller owns (the group commit); callers keep batches small.
 *
 * Requeued and moved deliveries start the retry schedule over: step 0, and
 * `created_at` (from which `max_age` counts) set to now. `attempts` keeps
 * counting, so `x-relay-attempt` tells a receiver it has seen this before.
 */
export class AdminWrites {
  private readonly requeueFinished: Statement<{ id: number; now: number }>;
  private readonly due: Statement<[number, number]>;
  private readonly replayable: Record<
    ReplayState,
    Statement<[string, number, number, number, number], { id: number }>
  >;
  private readonly maxId: Statement<[], { id: number | null }>;
  private readonly pendingOf: Statement<[string, number], { id: number; event_id: string }>;
  private readonly hasDelivery: Statement<[string, string], { found: number }>;
  private readonly moveOne: Statement<{ id: number; to: string; now: number }>;
  private readonly dropOne: Statement<[number, number]>;
  private readonly create: Statement<[string, string, number, number]>;

  constructor(db: Db) {
    this.requeueFinished = db.prepare(
      `UPDATE deliveries SET state = 'pending', step = 0, created_at = @now, next_attempt_at = @now,
         finished_at = NULL, lease_until = NULL
       WHERE id = @id AND state IN ('delivered', 'dead', 'dropped')`,
    );
    this.due = db.prepare("UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND state = 'pending'");
    // The state is a literal in each statement so the dead one can use its partial index.
    const replayable = (state: ReplayState) =>
      db.prepare<[string, number, number, number, number], { id: number }>(
        `SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.endpoint = ? AND d.state = '${state}' AND d.id > ? AND d.id <= ? AND e.received_at >= ?
         ORDER BY d.id LIMIT ?`,
      );
    this.replayable = { dead: replayable('dead'), delivered: replayable('delivered') };
    this.maxId = db.prepare('SELECT max(id) AS id FROM deliveries');
    // The IN term, though implied, lets SQLite use the partial index of unfinished deliveries.
    this.pendingOf = db.prepare(
      `SELECT id, event_id FROM deliveries
       WHERE endpoint = ? AND state IN ('pending', 'in_flight') AND state = 'pending' ORDER BY id LIMIT ?`,
    );
    this.hasDelivery = db.prepare(
      'SELECT count(*) AS found FROM deliveries WHERE event_id = ? AND endpoint = ?',
    );
    this.moveOne = db.prepare(
      `UPDATE deliveries SET endpoint = @to, step = 0, created_at = @now, next_attempt_at = @now
       WHERE id = @id AND state = 'pending'`,
    );
    this.dropOne = db.prepare(
      "UPDATE deliveries SET state = 'dropped', finished_at = ?, lease_until = NULL WHERE id = ? AND state = 'pending'",
    );
    this.create = db.prepare(
      `INSERT OR IGNORE INTO deliveries (event_id, endpoint, state, attempts, created_at, next_attempt_at)
       VALUES (?, ?, 'pending', 0, ?, ?)`,
    );
  }

  /** A delivered, dead or dropped delivery back to pending, due now. False if it was in none of those states. */
  requeue(id: number, now: number): boolean {
    return this.requeueFinished.run({ id, now }).changes === 1;
  }

  /** A pending delivery becomes due now. False if it is not pending. */
  makeDue(id: number, now: number): boolean {
    return this.due.run(now, id).changes === 1;
  }

  /**
   * Ids of an endpoint's deliveries in `state` whose event was received at or
   * after `since`, with `after < id <= upTo`, in id order.
   */
  replayCandidates(
    state: ReplayState,
    endpoint: string,
    since: number,
    range: { after: number; upTo: number },
    limit: number,
  ): number[] {
    return this.replayable[state].all(endpoint, range.after, range.upTo, since, limit).map((row) => row.id);
  }

  /** The largest delivery id so far (0 for none): where a scan by id can stop. */
  lastDeliveryId(): number {
    return this.maxId.get()?.id ?? 0;
  }

  /**
   * Moves up to `limit` pending deliveries of `from` to `to`. A delivery whose
   * event already has one to `to` is dropped instead: the target gets each
   * event once.
   */
  moveBatch(from: string, to: string, now: number, limit: number): { moved: number; dropped: number } {
    let moved = 0;
    let dropped = 0;
    for (const row of this.pendingOf.all(from, limit)) {
      if (this.hasDelivery.get(row.event_id, to)!.found > 0) dropped += this.dropOne.run(now, row.id).changes;
      else moved += this.moveOne.run({ id: row.id, to, now }).changes;
    }
    return { moved, dropped };
  }

  /** Marks up to `limit` pending deliveries of `endpoint` dropped (kept, finished now). */
  dropBatch(endpoint: string, now: number, limit: number): number {
    let dropped = 0;
    for (const row of this.pendingOf.all(endpoint, limit)) dropped += this.dropOne.run(now, row.id).changes;
    return dropped;
  }

  /** A new pending delivery of the event to the endpoint, unless it already has one. True if created. */
  createDelivery(eventId: string, endpoint: string, now: number): boolean {
    return this.create.run(eventId, endpoint, now, now).changes === 1;
  }
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Statement } from 'better-sqlite3';
import type { OperatorWrites, ReplayRequest, ReplayState } from '../store.ts';
import type { Db } from './db.ts';
import { NEXT_DELIVERY_ID } from './events.ts';

/** Rows changed per transaction: the writer is never held long enough to delay ingest. */
const BATCH = 500;
/** Delivery ids examined per step when no index narrows the scan (a replay of delivered ones). */
const SCAN_WINDOW = 5_000;

/** Runs `work` in the next group commit, fsynced like ingest: operators wait for the answer. */
export type OperatorTransaction = <T>(work: () => T) => Promise<T>;

/**
 * An operator's changes to deliveries. Each batch is one transaction; large
 * changes loop over batches with a turn of the event loop between them, so
 * ingest's commits interleave.
 */
export class SqliteOperator implements OperatorWrites {
  private readonly transaction: OperatorTransaction;
  private readonly requeueFinished: Statement<{ id: number; now: number }>;
  private readonly due: Statement<[number, number]>;
  private readonly replayable: Record<
    ReplayState,
    Statement<[string, number, number, number, number], { id: number }>
  >;
  private readonly maxId: Statement<[], { id: number | null }>;
  private readonly dropConflicting: Statement<{ from: string; to: string; now: number; limit: number }>;
  private readonly moveRest: Statement<{ from: string; to: string; now: number; limit: number }>;
  private readonly dropPending: Statement<{ endpoint: string; now: number; limit: number }>;
  private readonly create: Statement<[string, number, number, string]>;

  constructor(db: Db, transaction: OperatorTransaction) {
    this.transaction = transaction;
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
    // The IN terms, though implied, let SQLite use the partial index of unfinished deliveries;
    // batches go in its order (creation time), so none needs a sort.
    const heldPending = `SELECT id FROM deliveries d
       WHERE d.endpoint = @from AND d.state IN ('pending', 'in_flight') AND d.state = 'pending'`;
    const targetHasEvent = 'SELECT 1 FROM deliveries t WHERE t.event_id = d.event_id AND t.endpoint = @to';
    // An event that already has a delivery to the target is not sent there twice: drop the held one.
    this.dropConflicting = db.prepare(
      `UPDATE deliveries SET state = 'dropped', finished_at = @now, lease_until = NULL
       WHERE id IN (${heldPending} AND EXISTS (${targetHasEvent}) ORDER BY d.created_at LIMIT @limit)`,
    );
    this.moveRest = db.prepare(
      `UPDATE deliveries SET endpoint = @to, step = 0, created_at = @now, next_attempt_at = @now
       WHERE id IN (${heldPending} AND NOT EXISTS (${targetHasEvent}) ORDER BY d.created_at LIMIT @limit)`,
    );
    this.dropPending = db.prepare(
      `UPDATE deliveries SET state = 'dropped', finished_at = @now, lease_until = NULL
       WHERE id IN (SELECT id FROM deliveries d WHERE endpoint = @endpoint
         AND state IN ('pending', 'in_flight') AND state = 'pending' ORDER BY d.created_at LIMIT @limit)`,
    );
    // From the event row, so an event pruned since the caller listed it gets no delivery that could never be sent.
    this.create = db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, event_id, endpoint, state, attempts, created_at, next_attempt_at)
       SELECT ${NEXT_DELIVERY_ID}, id, ?, 'pending', 0, ?, ? FROM events WHERE id = ?`,
    );
  }

  retry(id: number, now: number): Promise<'requeued' | 'made_due' | undefined> {
    return this.transaction(() => {
      if (this.requeueFinished.run({ id, now }).changes === 1) return 'requeued' as const;
      if (this.due.run(now, id).changes === 1) return 'made_due' as const;
      return undefined;
    });
  }

  async replay(request: ReplayRequest, now: number): Promise<{ matched: number; requeued: number }> {
    // Deliveries created while this runs are not candidates: stop at today's last id.
    const last = this.maxId.get()?.id ?? 0;
    const candidates = this.replayable[request.state];
    let after = 0;
    let matched = 0;
    let requeued = 0;
    while (after < last) {
      // Dead ones have their own index, so any range is cheap; delivered ones are scanned a window at a time.
      const upTo = request.state === 'dead' ? last : Math.min(last, after + SCAN_WINDOW);
      const ids = candidates.all(request.endpoint, after, upTo, request.since, BATCH).map((row) => row.id);
      after = ids.length === BATCH ? ids.at(-1)! : upTo;
      matched += ids.length;
      const take = request.dryRun ? [] : ids.slice(0, request.limit - requeued);
      if (take.length === 0) {
        await nextTurn();
        continue;
      }
      requeued += await this.transaction(
        () => take.filter((id) => this.requeueFinished.run({ id, now }).changes === 1).length,
      );
    }
    return { matched, requeued };
  }

  async moveBacklog(from: string, to: string, now: number): Promise<{ moved: number; dropped: number }> {
    // Onto itself, every held delivery's event "already has a delivery to the target": all would be dropped.
    if (from === to) return { moved: 0, dropped: 0 };
    const params = { from, to, now, limit: BATCH };
    let moved = 0;
    let dropped = 0;
    for (;;) {
      const batch = await this.transaction(() => ({
        dropped: this.dropConflicting.run(params).changes,
        moved: this.moveRest.run(params).changes,
      }));
      moved += batch.moved;
      dropped += batch.dropped;
      if (batch.moved < BATCH && batch.dropped < BATCH) return { moved, dropped };
    }
  }

  async dropBacklog(endpoint: string, now: number): Promise<number> {
    let dropped = 0;
    for (;;) {
      const n = await this.transaction(() => this.dropPending.run({ endpoint, now, limit: BATCH }).changes);
      dropped += n;
      if (n < BATCH) return dropped;
    }
  }

  addDeliveries(endpoint: string, eventIds: readonly string[], now: number): Promise<number> {
    return this.transaction(
      () => eventIds.filter((id) => this.create.run(endpoint, now, now, id).changes === 1).length,
    );
  }
}

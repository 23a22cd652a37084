import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';

/** Rows removed per transaction: small, so the writer is never held long enough to delay ingest. */
export const PRUNE_BATCH = 500;
/** Pages returned to the filesystem per pass, at most. */
const VACUUM_PAGES = 2_000;

/**
 * What retention deletes. Finished deliveries (delivered, dead, dropped) go
 * `storage.retention` after they finished, with their attempts; an event goes
 * once none of its deliveries remain. Pending deliveries are never touched.
 * Events that never had a delivery are found by a cursor over receive time,
 * so old events still waiting on deliveries are not re-examined every pass.
 * Each batch is a few set-based statements over one JSON array of ids.
 */
export class PruneStatements {
  private readonly db: Db;
  private readonly expiredDeliveries: Statement<[number, number], { id: number; event_id: string }>;
  private readonly deleteAttempts: Statement<[string]>;
  private readonly deleteDeliveries: Statement<[string]>;
  private readonly deleteOrphanEvents: Statement<[string]>;
  private readonly undeliveredEvents: Statement<
    [number, number, number, string, number],
    { id: string; received_at: number }
  >;
  private readonly deleteExpiredKeys: Statement<[number, number]>;
  private cursor = { receivedAt: 0, id: '' };

  constructor(db: Db) {
    this.db = db;
    this.expiredDeliveries = db.prepare(
      'SELECT id, event_id FROM deliveries WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT ?',
    );
    const ids = 'SELECT value FROM json_each(?)';
    this.deleteAttempts = db.prepare(`DELETE FROM attempts WHERE delivery_id IN (${ids})`);
    this.deleteDeliveries = db.prepare(`DELETE FROM deliveries WHERE id IN (${ids})`);
    this.deleteOrphanEvents = db.prepare(
      `DELETE FROM events WHERE id IN (${ids})
         AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id)`,
    );
    this.undeliveredEvents = db.prepare(
      `SELECT id, received_at FROM events
       WHERE received_at < ? AND (received_at > ? OR (received_at = ? AND id > ?))
       ORDER BY received_at, id LIMIT ?`,
    );
    this.deleteExpiredKeys = db.prepare(
      `DELETE FROM idempotency_keys WHERE (source, key) IN
         (SELECT source, key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`,
    );
  }

  /** One batch of finished deliveries older than `cutoff`, their attempts, and events left without deliveries. */
  pruneDeliveries(cutoff: number): { deliveries: number; events: number } {
    const rows = this.expiredDeliveries.all(cutoff, PRUNE_BATCH);
    if (rows.length === 0) return { deliveries: 0, events: 0 };
    const ids = JSON.stringify(rows.map((row) => row.id));
    this.deleteAttempts.run(ids);
    this.deleteDeliveries.run(ids);
    const events = this.deleteOrphanEvents.run(JSON.stringify([...new Set(rows.map((row) => row.event_id))]));
    return { deliveries: rows.length, events: events.changes };
  }

  /**
   * One batch of events received before `cutoff` that have no delivery at all
   * (never routed anywhere). Returns how many were examined and deleted.
   */
  pruneUndelivered(cutoff: number): { examined: number; events: number } {
    const { receivedAt, id } = this.cursor;
    const rows = this.undeliveredEvents.all(cutoff, receivedAt, receivedAt, id, PRUNE_BATCH);
    const last = rows.at(-1);
    if (!last) return { examined: 0, events: 0 };
    this.cursor = { receivedAt: last.received_at, id: last.id };
    const events = this.deleteOrphanEvents.run(JSON.stringify(rows.map((row) => row.id))).changes;
    return { examined: rows.length, events };
  }

  pruneKeys(now: number): number {
    return this.deleteExpiredKeys.run(now, PRUNE_BATCH).changes;
  }

  /** Hands free pages back to the filesystem (auto_vacuum is INCREMENTAL); outside any transaction. */
  vacuum(): number {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    if (free === 0) return 0;
    this.db.pragma(`incremental_vacuum(${Math.min(free, VACUUM_PAGES)})`);
    return Math.min(free, VACUUM_PAGES);
  }
}

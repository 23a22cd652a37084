import type { PruneResult } from '../store.ts';
import type { Db, PoolClient } from './pool.ts';

/** Rows removed per statement: small, so no batch holds locks long enough to delay ingest. */
const PRUNE_BATCH = 500;
/** Held for a whole pass (advisory locks are per database): one relay of a cluster prunes at a time. */
const PRUNE_LOCK = 0x7072756e65; // 'prune'

/**
 * Retention as SQLite does it (store/sqlite/prune.ts): finished deliveries
 * older than the cutoff with their attempts, events left without
 * deliveries, expired keys, threshold counts past their window and holds of
 * events no longer stored; each batch one statement, on the one connection
 * that holds the pass's advisory lock. A relay whose pass finds the lock
 * taken skips its turn: another relay is pruning the same rows. Space goes
 * back through autovacuum, so `pages` stays 0.
 */
export class PostgresPruner {
  private readonly db: Db;
  private cursor = { receivedAt: 0, id: '' };

  constructor(db: Db) {
    this.db = db;
  }

  prune(cutoff: number, now: number): Promise<PruneResult> {
    return this.db.session(async (client) => {
      const total: PruneResult = { deliveries: 0, events: 0, keys: 0, counts: 0, pages: 0 };
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PRUNE_LOCK]);
      if (!lock.rows[0]?.ok) return total;
      try {
        for (;;) {
          const batch = await this.pruneDeliveries(client, cutoff);
          total.deliveries += batch.deliveries;
          total.events += batch.events;
          if (batch.deliveries < PRUNE_BATCH) break;
        }
        for (;;) {
          const batch = await this.pruneUndelivered(client, cutoff);
          total.events += batch.events;
          if (batch.examined < PRUNE_BATCH) break;
        }
        for (;;) {
          const keys = await this.pruneKeys(client, now);
          total.keys += keys;
          if (keys < PRUNE_BATCH) break;
        }
        for (;;) {
          const batch = await this.pruneCounts(client, now);
          total.counts += batch.counts;
          if (batch.rows < PRUNE_BATCH) break;
        }
        return total;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [PRUNE_LOCK]);
      }
    });
  }

  private async pruneDeliveries(
    client: PoolClient,
    cutoff: number,
  ): Promise<{ deliveries: number; events: number }> {
    const { rows } = await client.query<{ deliveries: number; events: number }>({
      name: 'relay-prune-deliveries',
      text: `WITH gone AS (
               DELETE FROM deliveries WHERE id IN (
                 SELECT id FROM deliveries WHERE finished_at IS NOT NULL AND finished_at < $1
                 LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)
               RETURNING id, event_id),
             attempts_gone AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM gone)),
             events_gone AS (
               DELETE FROM events e WHERE e.id IN (SELECT event_id FROM gone)
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id
                   AND d.id NOT IN (SELECT id FROM gone))
               RETURNING 1)
             SELECT (SELECT count(*) FROM gone) AS deliveries, (SELECT count(*) FROM events_gone) AS events`,
      values: [cutoff],
    });
    return rows[0]!;
  }

  /** Events received before `cutoff` that never had a delivery, found by a cursor over receive time. */
  private async pruneUndelivered(
    client: PoolClient,
    cutoff: number,
  ): Promise<{ examined: number; events: number }> {
    const { receivedAt, id } = this.cursor;
    const { rows } = await client.query<{
      examined: number;
      events: number;
      last_at: number | null;
      last_id: string | null;
    }>({
      name: 'relay-prune-undelivered',
      text: `WITH examined AS (
               SELECT id, received_at FROM events
               WHERE received_at < $1 AND (received_at, id) > ($2, $3)
               ORDER BY received_at, id LIMIT ${PRUNE_BATCH}),
             gone AS (
               DELETE FROM events e WHERE e.id IN (SELECT id FROM examined)
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
               RETURNING 1),
             last AS (SELECT id, received_at FROM examined ORDER BY received_at DESC, id DESC LIMIT 1)
             SELECT (SELECT count(*) FROM examined) AS examined, (SELECT count(*) FROM gone) AS events,
               (SELECT received_at FROM last) AS last_at, (SELECT id FROM last) AS last_id`,
      values: [cutoff, receivedAt, id],
    });
    const batch = rows[0]!;
    if (batch.last_at !== null && batch.last_id !== null) {
      this.cursor = { receivedAt: batch.last_at, id: batch.last_id };
    }
    return { examined: batch.examined, events: batch.events };
  }

  /**
   * Count rows whose newest hit has left its window, and holds of events no
   * longer stored. `counts` says how many hits went, as SQLite counts them
   * (a row per hit there); `rows` how many rows, for the batch loop.
   */
  private async pruneCounts(client: PoolClient, now: number): Promise<{ counts: number; rows: number }> {
    const { rows } = await client.query<{ hits: number; count_rows: number; holds: number }>({
      name: 'relay-prune-counts',
      text: `WITH counts_gone AS (
               DELETE FROM threshold_counts WHERE (route, key) IN (
                 SELECT route, key FROM threshold_counts WHERE expires_at <= $1
                 LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)
               RETURNING cardinality(hits) AS hits),
             holds_gone AS (
               DELETE FROM event_holds WHERE (event_id, route) IN (
                 SELECT h.event_id, h.route FROM event_holds h
                 WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = h.event_id) LIMIT ${PRUNE_BATCH})
               RETURNING 1)
             SELECT coalesce((SELECT sum(hits) FROM counts_gone), 0)::bigint AS hits,
               (SELECT count(*) FROM counts_gone) AS count_rows, (SELECT count(*) FROM holds_gone) AS holds`,
      values: [now],
    });
    const batch = rows[0]!;
    return { counts: batch.hits + batch.holds, rows: Math.max(batch.count_rows, batch.holds) };
  }

  private async pruneKeys(client: PoolClient, now: number): Promise<number> {
    const { rowCount } = await client.query({
      name: 'relay-prune-keys',
      text: `DELETE FROM idempotency_keys WHERE (source, key) IN (
               SELECT source, key FROM idempotency_keys WHERE expires_at <= $1
               LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
      values: [now],
    });
    return rowCount ?? 0;
  }
}

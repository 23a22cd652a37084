import { setImmediate as nextTurn } from 'node:timers/promises';
import type { OperatorWrites, ReplayRequest, ReplayState } from '../store.ts';
import { WORK_CHANNEL } from './notifications.ts';
import type { Db } from './pool.ts';

/** Rows changed per statement: each batch commits on its own, so ingest never waits behind a large change. */
const BATCH = 500;
/** Delivery ids examined per step when no index narrows the scan (a replay of delivered ones). */
const SCAN_WINDOW = 5_000;

/** Finished → pending, due now, the schedule started over: the one meaning of "requeue". */
const REQUEUE = `UPDATE deliveries SET state = 'pending', step = 0, created_at = $1, next_attempt_at = $1,
  finished_at = NULL, lease_until = NULL, claimed_by = NULL`;
const FINISHED = "state IN ('delivered', 'dead', 'dropped')";

/** The state is a literal in each text so the dead one can use its partial index under a generic plan. */
const replayText = (state: ReplayState) => `
WITH candidates AS (
  SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id
  WHERE d.endpoint = $2 AND d.state = '${state}' AND d.id > $3 AND d.id <= $4 AND e.received_at >= $5
  ORDER BY d.id LIMIT ${BATCH}
),
requeued AS (
  ${REQUEUE} WHERE id IN (SELECT id FROM candidates ORDER BY id LIMIT $6) AND ${FINISHED} RETURNING id
)
SELECT (SELECT count(*) FROM candidates) AS matched, (SELECT max(id) FROM candidates) AS last,
  (SELECT count(*) FROM requeued) AS requeued`;
const REPLAY = { dead: replayText('dead'), delivered: replayText('delivered') };

const HELD_PENDING = `SELECT id FROM deliveries d
  WHERE d.endpoint = $1 AND d.state IN ('pending', 'in_flight') AND d.state = 'pending'`;
const TARGET_HAS_EVENT = 'SELECT 1 FROM deliveries t WHERE t.event_id = d.event_id AND t.endpoint = $2';

/**
 * An operator's changes to deliveries, each batch one statement (its own
 * transaction). Large changes loop over batches with a turn of the event
 * loop between them. Whatever became due signals the endpoint's owner, which
 * may be another relay.
 */
export class PostgresOperator implements OperatorWrites {
  private readonly pool: Db;

  constructor(pool: Db) {
    this.pool = pool;
  }

  /** The endpoint's owner, on whichever relay, looks at its lane now rather than at its backstop. */
  private async wake(endpoint: string): Promise<void> {
    await this.pool.query({
      name: 'relay-operator-wake',
      text: `SELECT pg_notify('${WORK_CHANNEL}', $1)`,
      values: [endpoint],
    });
  }

  async retry(id: number, now: number): Promise<'requeued' | 'made_due' | undefined> {
    // Both updates see the statement's snapshot: a requeued row was finished there, so it is not also made due.
    const { rows } = await this.pool.query<{ outcome: 'requeued' | 'made_due'; endpoint: string }>({
      name: 'relay-operator-retry',
      text: `WITH requeued AS (${REQUEUE} WHERE id = $2 AND ${FINISHED} RETURNING endpoint),
             made_due AS (
               UPDATE deliveries SET next_attempt_at = $1 WHERE id = $2 AND state = 'pending' RETURNING endpoint)
             SELECT 'requeued' AS outcome, endpoint FROM requeued
             UNION ALL SELECT 'made_due', endpoint FROM made_due`,
      values: [now, id],
    });
    const [row] = rows;
    if (!row) return undefined;
    await this.wake(row.endpoint);
    return row.outcome;
  }

  async replay(request: ReplayRequest, now: number): Promise<{ matched: number; requeued: number }> {
    // Deliveries created while this runs are not candidates: stop at today's last id.
    const max = await this.pool.query<{ id: number | null }>('SELECT max(id) AS id FROM deliveries');
    const last = max.rows[0]?.id ?? 0;
    let after = 0;
    let matched = 0;
    let requeued = 0;
    while (after < last) {
      // Dead ones have their own index, so any range is cheap; delivered ones are scanned a window at a time.
      const upTo = request.state === 'dead' ? last : Math.min(last, after + SCAN_WINDOW);
      const take = request.dryRun ? 0 : Math.max(0, request.limit - requeued);
      const { rows } = await this.pool.query<{ matched: number; last: number | null; requeued: number }>({
        name: `relay-operator-replay-${request.state}`,
        text: REPLAY[request.state],
        values: [now, request.endpoint, after, upTo, request.since, take],
      });
      const batch = rows[0]!;
      matched += batch.matched;
      requeued += batch.requeued;
      after = batch.matched === BATCH ? batch.last! : upTo;
      await nextTurn();
    }
    if (requeued > 0) await this.wake(request.endpoint);
    return { matched, requeued };
  }

  async moveBacklog(from: string, to: string, now: number): Promise<{ moved: number; dropped: number }> {
    // Onto itself: every held delivery "already has" one to the target, which is itself. Nothing to do.
    if (from === to) return { moved: 0, dropped: 0 };
    let moved = 0;
    let dropped = 0;
    for (;;) {
      // The two sets are disjoint (the target has the event, or not), so one statement holds both.
      const { rows } = await this.pool.query<{ moved: number; dropped: number }>({
        name: 'relay-operator-move',
        text: `WITH dropped AS (
                 UPDATE deliveries SET state = 'dropped', finished_at = $3, lease_until = NULL
                 WHERE id IN (${HELD_PENDING} AND EXISTS (${TARGET_HAS_EVENT}) ORDER BY id LIMIT ${BATCH})
                   AND state = 'pending' RETURNING 1),
               moved AS (
                 UPDATE deliveries SET endpoint = $2, step = 0, created_at = $3, next_attempt_at = $3
                 WHERE id IN (${HELD_PENDING} AND NOT EXISTS (${TARGET_HAS_EVENT}) ORDER BY id LIMIT ${BATCH})
                   AND state = 'pending' RETURNING 1)
               SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM dropped) AS dropped`,
        values: [from, to, now],
      });
      const batch = rows[0]!;
      moved += batch.moved;
      dropped += batch.dropped;
      if (batch.moved < BATCH && batch.dropped < BATCH) {
        if (moved > 0) await this.wake(to);
        return { moved, dropped };
      }
      await nextTurn();
    }
  }

  async dropBacklog(endpoint: string, now: number): Promise<number> {
    let dropped = 0;
    for (;;) {
      const { rowCount } = await this.pool.query({
        name: 'relay-operator-drop',
        text: `UPDATE deliveries SET state = 'dropped', finished_at = $2, lease_until = NULL
               WHERE id IN (SELECT id FROM deliveries WHERE endpoint = $1
                 AND state IN ('pending', 'in_flight') AND state = 'pending' ORDER BY id LIMIT ${BATCH})
                 AND state = 'pending'`,
        values: [endpoint, now],
      });
      const n = rowCount ?? 0;
      dropped += n;
      if (n < BATCH) return dropped;
      await nextTurn();
    }
  }

  async addDeliveries(endpoint: string, eventIds: readonly string[], now: number): Promise<number> {
    if (eventIds.length === 0) return 0;
    const { rowCount } = await this.pool.query({
      name: 'relay-operator-add-deliveries',
      text: `INSERT INTO deliveries (event_id, endpoint, state, attempts, created_at, next_attempt_at)
             SELECT ev.id, $2, 'pending', 0, $3, $3 FROM unnest($1::text[]) AS e(id)
               JOIN events ev ON ev.id = e.id
             ON CONFLICT (event_id, endpoint) DO NOTHING`,
      values: [eventIds, endpoint, now],
    });
    const added = rowCount ?? 0;
    if (added > 0) await this.wake(endpoint);
    return added;
  }
}

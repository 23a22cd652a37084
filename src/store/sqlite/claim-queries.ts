import type { Statement } from 'better-sqlite3';
import type { ClaimRow } from '../rows.ts';
import type { Db } from './db.ts';

/** The statements that find an endpoint's due deliveries, first attempts and retries apart. */
export interface ClaimQueries {
  fresh: Statement<[string, number, number], ClaimRow>;
  retries: Statement<[string, number, number], ClaimRow>;
  dueFresh: Statement<[string], { at: number | null }>;
  dueRetry: Statement<[string], { at: number | null }>;
}

const COLUMNS = `d.id, d.event_id, d.endpoint, d.attempts, d.step, d.created_at,
  e.source, e.type, e.content_type, e.body`;

/**
 * A delivery of an ordered endpoint may go only while no older delivery of
 * its key is unfinished and none of its key is in flight (an older one
 * requeued by an operator waits for the one sent meanwhile): probes of the
 * order index. Unordered endpoints get statements without it, so ordering
 * costs them nothing.
 */
const HEAD = `AND (d.order_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM deliveries p WHERE p.endpoint = d.endpoint AND p.order_key = d.order_key
    AND p.order_key IS NOT NULL AND p.state IN ('pending', 'in_flight')
    AND (p.id < d.id OR p.state = 'in_flight')))`;

/**
 * A bare parameter compared with a column (`endpoint = ?`, `LIMIT ?`) lets
 * SQLite's planner look at its bound value (to test a partial index's WHERE,
 * to plan ORDER BY … LIMIT), and such a statement is compiled again at every
 * step after a new binding: measured at 10–25 µs per claim query against
 * 1–2 µs. `+?` is the same value to SQLite but not a bare parameter, so
 * the dispatcher's and ingest's statements (here, deliveries.ts, events.ts)
 * write `+?` wherever that would happen. The plans stay the same.
 */
export function claimQueries(db: Db, ordered: boolean): ClaimQueries {
  const head = ordered ? HEAD : '';
  const due = (attempts: string) =>
    db.prepare<[string, number, number], ClaimRow>(
      `SELECT ${COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.endpoint = +? AND d.state = 'pending' AND d.attempts ${attempts} AND d.next_attempt_at <= ? ${head}
       ORDER BY d.next_attempt_at, d.id LIMIT +?`,
    );
  // When the next is due: for an ordered endpoint, only heads count, or a
  // key waiting on its head would wake the lane for nothing.
  const next = (attempts: string) =>
    db.prepare<[string], { at: number | null }>(
      `SELECT min(d.next_attempt_at) AS at FROM deliveries d
       WHERE d.endpoint = +? AND d.state = 'pending' AND d.attempts ${attempts} ${head}`,
    );
  return { fresh: due('= 0'), retries: due('> 0'), dueFresh: next('= 0'), dueRetry: next('> 0') };
}

/** The earliest time any claimable pending delivery of the endpoint is due, or undefined. */
export function nextDue(queries: ClaimQueries, endpoint: string): number | undefined {
  const fresh = queries.dueFresh.get(endpoint)?.at ?? undefined;
  const retry = queries.dueRetry.get(endpoint)?.at ?? undefined;
  if (fresh === undefined) return retry;
  return retry === undefined ? fresh : Math.min(fresh, retry);
}

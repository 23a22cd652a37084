import type { Db } from './pool.ts';

/**
 * Claims given back to pending. Several relays may share the database, so
 * at start a relay takes back only what cannot be live: claims held under
 * its own instance name (its last run's) and claims whose lease has expired.
 * Another relay's live claims stay its own.
 */
export async function recover(pool: Db, now: number, instance: string): Promise<number> {
  const { rowCount } = await pool.query({
    name: 'relay-recover',
    text: `UPDATE deliveries SET state = 'pending', lease_until = NULL, claimed_by = NULL
           WHERE state = 'in_flight' AND (claimed_by = $1 OR lease_until < $2)`,
    values: [instance, now],
  });
  return rowCount ?? 0;
}

export async function expireLeases(pool: Db, now: number): Promise<number> {
  const { rowCount } = await pool.query({
    name: 'relay-expire-leases',
    text: `UPDATE deliveries SET state = 'pending', lease_until = NULL, claimed_by = NULL
           WHERE state = 'in_flight' AND lease_until < $1`,
    values: [now],
  });
  return rowCount ?? 0;
}

export async function unfinishedCounts(pool: Db): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ endpoint: string; n: number }>({
    name: 'relay-unfinished-counts',
    text: `SELECT endpoint, count(*) AS n FROM deliveries
           WHERE state IN ('pending', 'in_flight') GROUP BY endpoint`,
  });
  return new Map(rows.map((row) => [row.endpoint, row.n]));
}

/** One index probe per endpoint (ids grow with time), all in one statement. */
export async function oldestUnfinished(pool: Db, endpoints: readonly string[]): Promise<Map<string, number>> {
  if (endpoints.length === 0) return new Map();
  const { rows } = await pool.query<{ endpoint: string; created_at: number }>({
    name: 'relay-oldest-unfinished',
    text: `SELECT n.endpoint, o.created_at FROM unnest($1::text[]) AS n(endpoint)
           CROSS JOIN LATERAL (SELECT created_at FROM deliveries d
             WHERE d.endpoint = n.endpoint AND d.state IN ('pending', 'in_flight') ORDER BY d.created_at LIMIT 1) o`,
    values: [endpoints],
  });
  return new Map(rows.map((row) => [row.endpoint, row.created_at]));
}

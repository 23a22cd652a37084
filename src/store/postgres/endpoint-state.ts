import type { EndpointAdminState, EndpointStateRecord } from '../store.ts';
import { STATE_CHANNEL } from './notifications.ts';
import type { Db } from './pool.ts';

export async function endpointStates(pool: Db): Promise<Map<string, EndpointStateRecord>> {
  const { rows } = await pool.query<{ name: string; state: EndpointAdminState; changed_at: number }>({
    name: 'relay-endpoint-states',
    text: 'SELECT name, state, changed_at FROM endpoint_state',
  });
  return new Map(rows.map((row) => [row.name, { state: row.state, changedAt: row.changed_at }]));
}

/** Stores the state and, on commit, tells every relay (the owner runs the lane) to read the states again. */
export async function setEndpointState(
  pool: Db,
  name: string,
  state: EndpointAdminState,
  now: number,
  reason: string | undefined,
  instance: string,
): Promise<void> {
  await pool.query({
    name: 'relay-set-endpoint-state',
    text: `WITH up AS (
             INSERT INTO endpoint_state (name, state, changed_at, reason) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,
               reason = excluded.reason
             RETURNING 1)
           SELECT pg_notify('${STATE_CHANNEL}', $5) FROM up`,
    values: [name, state, now, reason ?? null, instance],
  });
}

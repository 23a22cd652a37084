import type { Completion } from '../store.ts';
import { STATE_CHANNEL } from './notifications.ts';
import type { Db } from './pool.ts';

/**
 * Every completion of a batch in one statement, over one array per field.
 * A completion applies only while its claim is the delivery's current one
 * (`state = 'in_flight' AND claim = …`) and the endpoint's lease is still at
 * the epoch the claim was taken under (no other relay took it over since):
 * a stale one changes nothing. The
 * new state and the retry's due time are one UPDATE, so a crash cannot keep
 * one without the other; the attempt rows and a 410's endpoint disable ride
 * in the same statement, keyed on the completions that applied; a disable
 * tells the other relays on commit (the one row of `notified`, ord null).
 */
const COMPLETE = `
WITH c AS (
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::int[], $6::text[], $7::int[])
    WITH ORDINALITY AS c(id, claim, next, at, status, error, made, ord)
),
applied AS (
  UPDATE deliveries d SET
    state = CASE c.next WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
    attempts = d.attempts + c.made,
    step = d.step + CASE WHEN c.next IN ('retry', 'dead') THEN 1 ELSE 0 END,
    next_attempt_at = CASE WHEN c.next IN ('retry', 'release') THEN c.at ELSE d.next_attempt_at END,
    finished_at = CASE WHEN c.next IN ('delivered', 'dead') THEN $8 ELSE d.finished_at END,
    -- An answer that releases (a pause, 410 Gone) is the last status like any other; a cut-off attempt has none.
    last_status = CASE WHEN c.made = 0 THEN d.last_status ELSE c.status END,
    last_error = CASE WHEN c.next = 'delivered' THEN NULL WHEN c.made = 0 THEN d.last_error ELSE c.error END,
    lease_until = NULL, claimed_by = NULL
  FROM c WHERE d.id = c.id AND d.state = 'in_flight' AND d.claim = c.claim
    AND d.claim_epoch = (SELECT l.epoch FROM endpoint_leases l WHERE l.endpoint = d.endpoint)
  RETURNING c.ord, d.id, d.attempts
),
attempt_rows AS (
  INSERT INTO attempts AS t (delivery_id, n, started_at, duration_ms, status, error, response)
  SELECT a.id, a.attempts, x.started_at, x.duration_ms, x.status, x.error, x.response
  FROM applied a
  JOIN unnest($9::bigint[], $10::bigint[], $11::int[], $12::int[], $13::text[], $14::bytea[])
    AS x(ord, started_at, duration_ms, status, error, response) ON x.ord = a.ord
  ON CONFLICT (delivery_id, n) DO UPDATE SET started_at = excluded.started_at,
    duration_ms = excluded.duration_ms, status = excluded.status, error = excluded.error,
    response = excluded.response
),
disabled AS (
  INSERT INTO endpoint_state (name, state, changed_at, reason)
  SELECT DISTINCT ON (x.endpoint) x.endpoint, 'disabled', $8, x.reason
  FROM applied a JOIN unnest($15::bigint[], $16::text[], $17::text[]) AS x(ord, endpoint, reason) ON x.ord = a.ord
  ORDER BY x.endpoint, x.ord
  ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,
    reason = excluded.reason
  RETURNING 1
),
notified AS (SELECT pg_notify('${STATE_CHANNEL}', $18) WHERE EXISTS (SELECT 1 FROM disabled))
SELECT ord FROM applied
UNION ALL SELECT NULL FROM notified`;

export async function complete(
  pool: Db,
  completions: readonly Completion[],
  now: number,
  instance: string,
): Promise<boolean[]> {
  if (completions.length === 0) return [];
  const attempts: [number, Completion][] = [];
  const disables: [number, { endpoint: string; reason: string }][] = [];
  completions.forEach((c, i) => {
    if (c.attempt) attempts.push([i + 1, c]);
    if (c.next === 'release' && c.disable) disables.push([i + 1, c.disable]);
  });
  const { rows } = await pool.query<{ ord: number | null }>({
    name: 'relay-complete',
    text: COMPLETE,
    values: [
      completions.map((c) => c.deliveryId),
      completions.map((c) => c.claim),
      completions.map((c) => c.next),
      completions.map((c) => (c.next === 'retry' || c.next === 'release' ? c.at : null)),
      completions.map((c) => c.attempt?.status ?? null),
      completions.map((c) => c.attempt?.error ?? null),
      completions.map((c) => (c.next === 'release' && !c.attempt ? 0 : 1)),
      now,
      attempts.map(([ord]) => ord),
      attempts.map(([, c]) => c.attempt!.startedAt),
      attempts.map(([, c]) => Math.round(c.attempt!.durationMs)),
      attempts.map(([, c]) => c.attempt!.status ?? null),
      attempts.map(([, c]) => c.attempt!.error ?? null),
      attempts.map(([, c]) => c.attempt!.response ?? null),
      disables.map(([ord]) => ord),
      disables.map(([, d]) => d.endpoint),
      disables.map(([, d]) => d.reason),
      instance,
    ],
  });
  const applied = new Set(rows.map((row) => row.ord));
  return completions.map((_, i) => applied.has(i + 1));
}

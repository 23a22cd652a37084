/**
 * The outbox-shaped schema and statements that scripts/bench/pg-drivers.ts
 * runs through each PostgreSQL driver: the same SQL text for both, so the
 * figures compare the drivers, not two ways of writing a query.
 */

export const SCHEMA = `
  CREATE TABLE events (
    id text PRIMARY KEY,
    source text NOT NULL,
    type text NOT NULL,
    received_at bigint NOT NULL,
    body bytea NOT NULL,
    idempotency_key text UNIQUE
  );
  CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    event_id text NOT NULL REFERENCES events (id),
    endpoint text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    due_at bigint NOT NULL
  );
  CREATE INDEX deliveries_due ON deliveries (endpoint, due_at) WHERE state = 'pending';
`;

export const RESET = 'TRUNCATE deliveries, events RESTART IDENTITY';

export const EVENT_COLUMNS = 6;

/**
 * One group commit as one statement (so one round trip and one implicit
 * transaction): n rows of parameters, then the endpoint and due time of the
 * deliveries, one per event that was not a duplicate.
 */
export function insertMultirow(n: number): string {
  const rows = Array.from({ length: n }, (_, r) => {
    const first = r * EVENT_COLUMNS + 1;
    return `($${first}, $${first + 1}, $${first + 2}, $${first + 3}::bigint, $${first + 4}::bytea, $${first + 5})`;
  });
  const after = n * EVENT_COLUMNS;
  return `WITH e AS (
      INSERT INTO events (id, source, type, received_at, body, idempotency_key)
      VALUES ${rows.join(', ')}
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id
    )
    INSERT INTO deliveries (event_id, endpoint, state, due_at)
    SELECT id, $${after + 1}::text, 'pending', $${after + 2}::bigint FROM e`;
}

/** The same group commit with one array parameter per column: one statement text for every batch size. */
export const INSERT_UNNEST = `WITH e AS (
    INSERT INTO events (id, source, type, received_at, body, idempotency_key)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bytea[], $6::text[])
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
  )
  INSERT INTO deliveries (event_id, endpoint, state, due_at)
  SELECT id, $7::text, 'pending', $8::bigint FROM e`;

/** Up to $3 due deliveries of endpoint $1, with what sending them needs. */
export const CLAIM = `WITH c AS (
    UPDATE deliveries SET state = 'inflight', attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM deliveries
      WHERE endpoint = $1 AND state = 'pending' AND due_at <= $2::bigint
      ORDER BY due_at
      LIMIT $3::integer
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id, event_id, attempts
  )
  SELECT c.id, c.event_id, c.attempts, e.type, e.received_at, e.body
  FROM c JOIN events e ON e.id = c.event_id`;

/** Records a batch of outcomes (delivered, or dead) in one statement. */
export const COMPLETE = `UPDATE deliveries d SET state = v.state
  FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS state) v
  WHERE d.id = v.id AND d.state = 'inflight'`;

/** Server-side backlog for the claim and completion rounds: $2 events on endpoints ep0..ep{$3-1}. */
export const PRELOAD = `WITH e AS (
    INSERT INTO events (id, source, type, received_at, body, idempotency_key)
    SELECT 'pre_' || g, 'app', 'receive', 0, $1::bytea, NULL FROM generate_series(1, $2::integer) g
    RETURNING id
  )
  INSERT INTO deliveries (event_id, endpoint, state, due_at)
  SELECT id, 'ep' || (substr(id, 5)::integer % $3::integer), 'pending', 0 FROM e`;

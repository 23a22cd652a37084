import type { EnqueueResult, NewEvent } from '../store.ts';
import { WORK_CHANNEL } from './notifications.ts';
import type { Db } from './pool.ts';

const EVENT_COLUMNS = 6;

/**
 * Stores a batch of events, their idempotency keys and their deliveries in
 * one statement, so one round trip and one commit (PostgreSQL runs a single
 * statement as its own transaction). Events go as multi-row VALUES because
 * pg sends each Buffer parameter in binary; keys and deliveries, which carry
 * no bytes, as arrays through unnest.
 *
 * A key is claimed by INSERT … ON CONFLICT, which waits for and then sees a
 * concurrent relay's committed key: a duplicate is caught whichever relay it
 * reaches. The conflicting row is updated only once its window has passed
 * (then the new event takes the key over); otherwise it keeps its event, and
 * RETURNING names that event, which is how a duplicate is told apart. The
 * window is judged at the batch's earliest receive time: events of one batch
 * arrived within the same event-loop turn.
 *
 * `wake` (notifications.ts) names the endpoints other relays own: their
 * owners hear of the new work when this commits.
 *
 * The batch must hold at most one event per key (group-commit.ts folds the
 * others onto it), since ON CONFLICT may not touch one row twice.
 */
export async function enqueueBatch(
  pool: Db,
  events: readonly NewEvent[],
  wake: string | undefined,
): Promise<EnqueueResult[]> {
  const n = events.length;
  const values: unknown[] = [];
  const keyed = events.filter((e) => e.idempotency);
  values.push(
    keyed.map((e) => e.source),
    keyed.map((e) => e.idempotency!.key),
    keyed.map((e) => e.id),
    keyed.map((e) => e.idempotency!.expiresAt),
    Math.min(...events.map((e) => e.receivedAt)),
  );
  const deliveries = events.flatMap((e) =>
    e.endpoints.map((endpoint) => [e.id, endpoint, e.receivedAt] as const),
  );
  values.push(
    deliveries.map((d) => d[0]),
    deliveries.map((d) => d[1]),
    deliveries.map((d) => d[2]),
    wake ?? null,
  );
  for (const e of events) values.push(e.id, e.source, e.type, e.receivedAt, e.contentType ?? null, e.body);
  const { rows } = await pool.query<{ id: string | null; duplicate_of: string }>({
    name: `relay-enqueue-${n}`,
    text: statementFor(n),
    values,
  });
  // The one row of `notified` (id null) only makes the notification part of the statement.
  const duplicates = new Map(rows.filter((row) => row.id !== null).map((row) => [row.id, row.duplicate_of]));
  return events.map((e): EnqueueResult => {
    const duplicateOf = duplicates.get(e.id);
    return duplicateOf === undefined
      ? { duplicateOf: undefined, endpoints: [...e.endpoints], held: [] }
      : { duplicateOf };
  });
}

const FIXED_PARAMS = 9;
const texts = new Map<number, string>();

/** One text per batch size, built once: pg prepares a named statement once per connection. */
function statementFor(n: number): string {
  let text = texts.get(n);
  if (text) return text;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = (k: number) => `$${FIXED_PARAMS + i * EVENT_COLUMNS + k}`;
    rows.push(
      `(${p(1)}::text, ${p(2)}::text, ${p(3)}::text, ${p(4)}::bigint, ${p(5)}::text, ${p(6)}::bytea)`,
    );
  }
  text = `
WITH claimed AS (
  INSERT INTO idempotency_keys AS k (source, key, event_id, expires_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
  ON CONFLICT (source, key) DO UPDATE SET
    event_id = CASE WHEN k.expires_at <= $5 THEN excluded.event_id ELSE k.event_id END,
    expires_at = CASE WHEN k.expires_at <= $5 THEN excluded.expires_at ELSE k.expires_at END
  RETURNING k.source, k.key, k.event_id
),
duplicates AS (
  SELECT t.event_id AS id, c.event_id AS duplicate_of
  FROM unnest($1::text[], $2::text[], $3::text[]) AS t(source, key, event_id)
  JOIN claimed c ON c.source = t.source AND c.key = t.key AND c.event_id <> t.event_id
),
new_events AS (
  INSERT INTO events (id, source, type, received_at, content_type, body)
  SELECT * FROM (VALUES ${rows.join(', ')}) AS v(id, source, type, received_at, content_type, body)
  WHERE v.id NOT IN (SELECT id FROM duplicates)
),
new_deliveries AS (
  INSERT INTO deliveries (event_id, endpoint, state, attempts, created_at, next_attempt_at)
  SELECT d.event_id, d.endpoint, 'pending', 0, d.at, d.at
  FROM unnest($6::text[], $7::text[], $8::bigint[]) AS d(event_id, endpoint, at)
  WHERE d.event_id NOT IN (SELECT id FROM duplicates)
),
notified AS (SELECT pg_notify('${WORK_CHANNEL}', $9) WHERE $9::text IS NOT NULL)
SELECT id, duplicate_of FROM duplicates
UNION ALL SELECT NULL, NULL FROM notified`;
  texts.set(n, text);
  return text;
}

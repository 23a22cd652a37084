import type { EnqueueResult, NewEvent } from '../store.ts';
import { GATED_PARAMS, gatedResults, gatedTail, gateValues, type ResultRow } from './enqueue-gated.ts';
import { WORK_CHANNEL } from './notifications.ts';
import type { Db } from './pool.ts';

const EVENT_COLUMNS = 6;
/** The parameters every batch passes before the gates' (enqueue-gated.ts) and the events'. */
const FIXED_PARAMS = 10;

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
 * A batch with a threshold route in it is the same statement with the
 * counting added (enqueue-gated.ts), so counts commit with their events;
 * batches without one keep the plain text. Deliveries are inserted in the
 * batch's order, so ids follow ingest: a key's oldest unfinished delivery is
 * its head (claims.ts).
 *
 * `wake` (notifications.ts) names the endpoints other relays own: their
 * owners hear of the new work when this commits.
 *
 * The batch must hold at most one event per key (group-commit.ts folds the
 * others onto it), since ON CONFLICT may not touch one row twice.
 *
 * `NewEvent.lease` is not taken: every delivery is stored pending, and its
 * endpoint's owner claims it, under that lease's epoch.
 */
export async function enqueueBatch(
  pool: Db,
  events: readonly NewEvent[],
  wake: string | undefined,
): Promise<EnqueueResult[]> {
  const n = events.length;
  const gated = events.some((e) => e.gates?.length);
  const values: unknown[] = [];
  const keyed = events.filter((e) => e.idempotency);
  values.push(
    keyed.map((e) => e.source),
    keyed.map((e) => e.idempotency!.key),
    keyed.map((e) => e.id),
    keyed.map((e) => e.idempotency!.expiresAt),
    Math.min(...events.map((e) => e.receivedAt)),
  );
  const deliveries = events.flatMap((e, pos) =>
    e.endpoints.map(
      (endpoint) => [e.id, endpoint, e.receivedAt, e.orderKeys?.[endpoint] ?? null, pos] as const,
    ),
  );
  values.push(
    deliveries.map((d) => d[0]),
    deliveries.map((d) => d[1]),
    deliveries.map((d) => d[2]),
    deliveries.map((d) => d[3]),
    wake ?? null,
  );
  if (gated)
    values.push(
      deliveries.map((d) => d[4]),
      ...gateValues(events),
    );
  for (const e of events) values.push(e.id, e.source, e.type, e.receivedAt, e.contentType ?? null, e.body);
  const { rows } = await pool.query<ResultRow>({
    name: `relay-enqueue-${gated ? 'gated-' : ''}${n}`,
    text: statementFor(n, gated),
    values,
  });
  if (gated) return gatedResults(events, rows);
  // The one row of `notified` (id null) only makes the notification part of the statement.
  const duplicates = new Map(rows.filter((row) => row.id !== null).map((row) => [row.id, row.value]));
  return events.map((e): EnqueueResult => {
    const duplicateOf = duplicates.get(e.id);
    return duplicateOf == null
      ? { duplicateOf: undefined, endpoints: [...e.endpoints], held: [], leased: [] }
      : { duplicateOf };
  });
}

const texts = new Map<string, string>();

/** One text per batch size (and kind), built once: pg prepares a named statement once per connection. */
function statementFor(n: number, gated: boolean): string {
  const name = `${gated ? 'gated-' : ''}${n}`;
  let text = texts.get(name);
  if (text) return text;
  const first = FIXED_PARAMS + (gated ? GATED_PARAMS : 0);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = (k: number) => `$${first + i * EVENT_COLUMNS + k}`;
    rows.push(
      `(${p(1)}::text, ${p(2)}::text, ${p(3)}::text, ${p(4)}::bigint, ${p(5)}::text, ${p(6)}::bytea)`,
    );
  }
  const head = `
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
notified AS (SELECT pg_notify('${WORK_CHANNEL}', $10) WHERE $10::text IS NOT NULL),`;
  text = gated
    ? `${head}${gatedTail()}`
    : `${head}
new_deliveries AS (
  INSERT INTO deliveries (event_id, endpoint, state, attempts, created_at, next_attempt_at, order_key)
  SELECT d.event_id, d.endpoint, 'pending', 0, d.at, d.at, d.order_key
  FROM unnest($6::text[], $7::text[], $8::bigint[], $9::text[]) AS d(event_id, endpoint, at, order_key)
  WHERE d.event_id NOT IN (SELECT id FROM duplicates)
)
SELECT 'duplicate' AS kind, id, duplicate_of AS value FROM duplicates
UNION ALL SELECT NULL, NULL, NULL FROM notified`;
  texts.set(name, text);
  return text;
}

import type { EnqueueResult, NewEvent } from '../store.ts';

/** Parameters a batch with threshold routes passes after enqueue.ts's fixed ones: $11 to $23. */
export const GATED_PARAMS = 13;

/** What the ingest statement answers, one row per fact: a duplicate, a hold, an opened gate's delivery. */
export interface ResultRow {
  kind: 'duplicate' | 'held' | 'gated' | null;
  id: string | null;
  value: string | null;
}

/**
 * The threshold part of the ingest statement (after enqueue.ts's head), in
 * the same statement as the events it counts: a crash keeps both or neither.
 *
 * Each (route, key) the batch hits is one row of `threshold_counts`, written
 * by INSERT … ON CONFLICT DO UPDATE, one row per key (the batch's hits of a
 * key are appended together, in ingest order). Why that counts right under
 * READ COMMITTED with several relays ingesting the same key: the DO UPDATE
 * first locks the row, waiting for a transaction that holds it, and then
 * computes the new value from the row's latest committed version, not from
 * this statement's snapshot; RETURNING answers that new value. So every
 * writer appends to what the last one committed, and nobody can write in
 * between (the lock is held until COMMIT). Two relays creating a new key at
 * once: the second waits for the first's insert, then takes the update path.
 * A count read from a snapshot (count(*) over hit rows, as SQLite does with
 * its single writer) would miss a hit committed while this statement ran.
 * Rows are locked in (route, key) order, so two batches cannot deadlock on them.
 *
 * The list keeps only hits within the window of the batch's earliest hit,
 * so it is as long as the key's hits within one window. An event's count is
 * the hits of the list up to its own (those before the batch, then the
 * batch's up to it) received within its window.
 *
 * An opened gate's deliveries are inserted with the plain ones, in one
 * INSERT ordered by the event's place in the batch, so delivery ids follow
 * ingest order for per-key ordering whichever route made them. The caller
 * passes a gate only the endpoints the event's plain fan-out lacks; two
 * opened gates naming one endpoint give it one delivery (DISTINCT ON).
 */
export function gatedTail(): string {
  return `
gates AS (
  SELECT g.*, row_number() OVER (PARTITION BY g.route, g.key ORDER BY g.no) AS nth,
    count(*) OVER (PARTITION BY g.route, g.key) AS batch_hits
  FROM unnest($12::int[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[], $18::int[],
    $19::boolean[], $20::int[]) AS g(no, event_id, route, key, at, within, need, once, pos)
  WHERE g.event_id NOT IN (SELECT id FROM duplicates)
),
counted AS (
  INSERT INTO threshold_counts AS t (route, key, hits, within_ms, expires_at)
  SELECT route, key, array_agg(at ORDER BY no), max(within), max(at + within)
  FROM gates WHERE key IS NOT NULL GROUP BY route, key ORDER BY route, key
  ON CONFLICT (route, key) DO UPDATE SET
    hits = ARRAY(
      SELECT h.at FROM unnest(t.hits) WITH ORDINALITY AS h(at, i)
      WHERE h.at > (SELECT min(x) FROM unnest(excluded.hits) AS x) - excluded.within_ms ORDER BY h.i
    ) || excluded.hits,
    within_ms = excluded.within_ms,
    expires_at = greatest(t.expires_at, excluded.expires_at)
  RETURNING t.route, t.key, t.hits
),
decided AS (
  SELECT g.no, g.event_id, g.route, g.at, g.pos,
    g.key IS NOT NULL AND CASE WHEN g.once THEN n.n = g.need ELSE n.n >= g.need END AS open,
    CASE WHEN g.key IS NULL THEN 'threshold: the event has no key'
      WHEN n.n < g.need THEN format('threshold: %s of %s within the window', n.n, g.need)
      ELSE format('threshold: reached already (once), %s within the window', n.n) END AS reason
  FROM gates g
  LEFT JOIN counted c ON c.route = g.route AND c.key = g.key
  LEFT JOIN LATERAL (
    SELECT count(*) AS n FROM unnest(c.hits[1 : (cardinality(c.hits) - g.batch_hits + g.nth)::int]) AS h
    WHERE h > g.at - g.within
  ) n ON true
),
held AS (
  INSERT INTO event_holds (event_id, route, reason) SELECT event_id, route, reason FROM decided WHERE NOT open
),
opened AS (
  SELECT DISTINCT ON (d.event_id, x.endpoint) d.event_id, x.endpoint, d.at, x.order_key, d.pos, d.no
  FROM decided d JOIN unnest($21::int[], $22::text[], $23::text[]) AS x(no, endpoint, order_key) ON x.no = d.no
  WHERE d.open
  ORDER BY d.event_id, x.endpoint, d.no
),
new_deliveries AS (
  INSERT INTO deliveries (event_id, endpoint, state, attempts, created_at, next_attempt_at, order_key)
  SELECT event_id, endpoint, 'pending', 0, at, at, order_key FROM (
    SELECT d.event_id, d.endpoint, d.at, d.order_key, d.pos, 0 AS no
    FROM unnest($6::text[], $7::text[], $8::bigint[], $9::text[], $11::int[]) AS d(event_id, endpoint, at, order_key, pos)
    WHERE d.event_id NOT IN (SELECT id FROM duplicates)
    UNION ALL SELECT event_id, endpoint, at, order_key, pos, no FROM opened
  ) fan_out ORDER BY pos, no
)
SELECT 'duplicate' AS kind, id, duplicate_of AS value FROM duplicates
UNION ALL SELECT 'held', event_id, route FROM decided WHERE NOT open
UNION ALL SELECT 'gated', event_id, endpoint FROM opened
UNION ALL SELECT NULL, NULL, NULL FROM notified`;
}

/** The gates' parameters ($12 to $23): one row per (event, gate), one per endpoint a gate may add. */
export function gateValues(events: readonly NewEvent[]): unknown[] {
  const gates: (readonly unknown[])[] = [];
  const endpoints: (readonly unknown[])[] = [];
  events.forEach((e, pos) => {
    for (const gate of e.gates ?? []) {
      const no = gates.length + 1;
      gates.push([
        no,
        e.id,
        gate.route,
        gate.key ?? null,
        e.receivedAt,
        gate.within,
        gate.count,
        gate.once,
        pos,
      ]);
      for (const endpoint of new Set(gate.endpoints)) {
        if (!e.endpoints.includes(endpoint)) endpoints.push([no, endpoint, e.orderKeys?.[endpoint] ?? null]);
      }
    }
  });
  const column = (rows: (readonly unknown[])[], i: number) => rows.map((row) => row[i]);
  return [
    ...Array.from({ length: 9 }, (_, i) => column(gates, i)),
    ...Array.from({ length: 3 }, (_, i) => column(endpoints, i)),
  ];
}

/** Each event's answer: a duplicate, or its fan-out plus the endpoints its opened gates added, in gate order. */
export function gatedResults(events: readonly NewEvent[], rows: readonly ResultRow[]): EnqueueResult[] {
  const facts = new Map<string, { duplicateOf?: string; held: Set<string>; gated: Set<string> }>();
  for (const row of rows) {
    if (row.kind === null || row.id === null || row.value === null) continue;
    const fact = facts.get(row.id) ?? { held: new Set(), gated: new Set() };
    if (row.kind === 'duplicate') fact.duplicateOf = row.value;
    else fact[row.kind].add(row.value);
    facts.set(row.id, fact);
  }
  return events.map((e): EnqueueResult => {
    const fact = facts.get(e.id);
    if (fact?.duplicateOf !== undefined) return { duplicateOf: fact.duplicateOf };
    const endpoints = [...e.endpoints];
    const held: string[] = [];
    for (const gate of e.gates ?? []) {
      if (fact?.held.has(gate.route)) held.push(gate.route);
      for (const endpoint of gate.endpoints) {
        if (fact?.gated.has(endpoint) && !endpoints.includes(endpoint)) endpoints.push(endpoint);
      }
    }
    return { duplicateOf: undefined, endpoints, held, leased: [] };
  });
}

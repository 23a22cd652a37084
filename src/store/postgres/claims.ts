import { type ClaimRow, toClaimed } from '../rows.ts';
import type { Claim, ClaimAsk } from '../store.ts';
import type { Db } from './pool.ts';

/** A claimed row, or a row standing for an ask that got none (`id` null), with the ask's next due time. */
type AskRow = { endpoint: string; owned: boolean; next_due: number | null; claim: number; fresh: boolean } & (
  | ClaimRow
  | ({ id: null } & Omit<ClaimRow, 'id'>)
);

/**
 * Every ask of one pump in one statement (two when it has ordered and
 * unordered lanes: `head` is the ordered one's extra condition), for the endpoints whose lease
 * this relay holds (the lease rows locked FOR SHARE, so a takeover waits for
 * this claim, then gives its rows back; and a claim after a takeover sees
 * the new owner): per endpoint, first attempts up to
 * `fresh`, then retries in what they leave (up to `retries`), each row locked
 * with FOR UPDATE SKIP LOCKED so two relays claiming at once never take the
 * same delivery, and given a new claim number from the sequence and the
 * lease's epoch. Each ask
 * gets at least one row back, carrying when its next unclaimed pending
 * delivery is due (its claimed rows still look pending to the statement's
 * own snapshot, so they are left out by id; ORDER BY … LIMIT 1 rather than
 * min(), which the planner may answer by reading the whole backlog).
 */
const claimText = (head: string) => `
WITH owned AS (
  SELECT l.endpoint, l.epoch FROM endpoint_leases l
  WHERE l.endpoint = ANY($1) AND l.owner = $6 AND l.expires_at > $5
  FOR SHARE
),
all_asks AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[]) AS a(endpoint, fresh, retries, lease_until)
),
asks AS (SELECT a.*, o.epoch FROM all_asks a JOIN owned o ON o.endpoint = a.endpoint),
picked_fresh AS (
  SELECT p.id, a.endpoint, a.lease_until, a.epoch, true AS fresh FROM asks a CROSS JOIN LATERAL (
    SELECT d.id FROM deliveries d
    WHERE d.endpoint = a.endpoint AND d.state = 'pending' AND d.attempts = 0 AND d.next_attempt_at <= $5 ${head}
    ORDER BY d.next_attempt_at, d.id LIMIT a.fresh FOR UPDATE SKIP LOCKED
  ) p
),
picked_retries AS (
  SELECT p.id, a.endpoint, a.lease_until, a.epoch, false AS fresh FROM asks a CROSS JOIN LATERAL (
    SELECT d.id FROM deliveries d
    WHERE d.endpoint = a.endpoint AND d.state = 'pending' AND d.attempts > 0 AND d.next_attempt_at <= $5 ${head}
    ORDER BY d.next_attempt_at, d.id
    LIMIT greatest(0, least(a.retries, a.fresh - (SELECT count(*) FROM picked_fresh f WHERE f.endpoint = a.endpoint)))
    FOR UPDATE SKIP LOCKED
  ) p
),
picked AS (SELECT * FROM picked_fresh UNION ALL SELECT * FROM picked_retries),
claimed AS (
  UPDATE deliveries d SET state = 'in_flight', lease_until = p.lease_until,
    claim = nextval('delivery_claims'), claimed_by = $6, claim_epoch = p.epoch
  FROM picked p WHERE d.id = p.id
  RETURNING d.id, d.claim, d.event_id, d.endpoint, d.attempts, d.step, d.created_at, d.next_attempt_at, p.fresh
),
next AS (
  SELECT a.endpoint, least(
    (SELECT d.next_attempt_at FROM deliveries d WHERE d.endpoint = a.endpoint AND d.state = 'pending'
       AND d.attempts = 0 AND d.id NOT IN (SELECT id FROM picked) ${head} ORDER BY d.next_attempt_at, d.id LIMIT 1),
    (SELECT d.next_attempt_at FROM deliveries d WHERE d.endpoint = a.endpoint AND d.state = 'pending'
       AND d.attempts > 0 AND d.id NOT IN (SELECT id FROM picked) ${head} ORDER BY d.next_attempt_at, d.id LIMIT 1)
  ) AS next_due
  FROM asks a
)
SELECT a.endpoint, o.endpoint IS NOT NULL AS owned, n.next_due,
  c.id, c.claim, c.fresh, c.event_id, c.attempts, c.step, c.created_at,
  e.source, e.type, e.content_type, e.body
FROM all_asks a
LEFT JOIN owned o ON o.endpoint = a.endpoint
LEFT JOIN next n ON n.endpoint = a.endpoint
LEFT JOIN claimed c ON c.endpoint = a.endpoint
LEFT JOIN events e ON e.id = c.event_id
ORDER BY a.endpoint, c.fresh DESC, c.next_attempt_at, c.id`;

/**
 * An ordered endpoint's delivery may go only while it is its key's head: no
 * older delivery of the key unfinished, and none of the key in flight. The
 * second probe keeps "never two of one key in flight" even when an older
 * one appears behind a claimed one (a delivery committed late by another
 * relay, a requeue, a moved backlog); it then waits for the one in flight.
 * Pending rows a head's claim left are never heads in the same statement:
 * the head still looks pending to its snapshot, so it is older and unfinished.
 */
const HEAD = `AND (d.order_key IS NULL OR (
  NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.endpoint = d.endpoint AND p.order_key = d.order_key
    AND p.id < d.id AND p.order_key IS NOT NULL AND p.state IN ('pending', 'in_flight'))
  AND NOT EXISTS (SELECT 1 FROM deliveries f WHERE f.endpoint = d.endpoint AND f.order_key = d.order_key
    AND f.order_key IS NOT NULL AND f.state = 'in_flight')))`;

/** Unordered endpoints keep the statement without the probes: ordering costs them nothing. */
const CLAIM = { plain: claimText(''), ordered: claimText(HEAD) };

export async function claim(
  pool: Db,
  asks: readonly ClaimAsk[],
  now: number,
  instance: string,
): Promise<Claim[]> {
  if (asks.length === 0) return [];
  // A pump with ordered and unordered lanes sends each group its own statement, side by side.
  const groups = [asks.filter((a) => !a.ordered), asks.filter((a) => a.ordered)] as const;
  const results = await Promise.all(
    groups.map((group, i) =>
      group.length === 0
        ? []
        : pool
            .query<AskRow>({
              name: i === 0 ? 'relay-claim' : 'relay-claim-ordered',
              text: i === 0 ? CLAIM.plain : CLAIM.ordered,
              values: [
                group.map((a) => a.endpoint),
                group.map((a) => a.fresh),
                group.map((a) => a.retries),
                group.map((a) => a.leaseUntil),
                now,
                instance,
              ],
            })
            .then((result) => result.rows),
    ),
  );
  const rows = results.flat();
  const byEndpoint = new Map<string, AskRow[]>();
  for (const row of rows) {
    const list = byEndpoint.get(row.endpoint) ?? [];
    list.push(row);
    byEndpoint.set(row.endpoint, list);
  }
  return asks.map((ask) => {
    const found = byEndpoint.get(ask.endpoint) ?? [];
    // Another relay's endpoint: nothing to do here until this relay owns it (the renewal wakes the lanes).
    if (!found[0]?.owned)
      return { endpoint: ask.endpoint, fresh: [], retries: [], exhausted: true, nextDue: undefined };
    const leased = found.filter((row): row is AskRow & ClaimRow => row.id !== null);
    const fresh = leased.filter((row) => row.fresh).map((row) => toClaimed(row, row.claim));
    const retries = leased.filter((row) => !row.fresh).map((row) => toClaimed(row, row.claim));
    const retryAsk = Math.min(ask.fresh - fresh.length, ask.retries);
    const exhausted = fresh.length < ask.fresh && retries.length < retryAsk;
    const nextDue = found[0]?.next_due ?? undefined;
    return { endpoint: ask.endpoint, fresh, retries, exhausted, nextDue: exhausted ? nextDue : undefined };
  });
}

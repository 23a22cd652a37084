import type { Statement } from 'better-sqlite3';
import { type ClaimRow, toClaimed } from '../rows.ts';
import type {
  Claim,
  ClaimAsk,
  ClaimedDelivery,
  Completion,
  EndpointAdminState,
  EndpointStateRecord,
} from '../store.ts';
import { type ClaimQueries, claimQueries, nextDue } from './claim-queries.ts';
import type { Db } from './db.ts';

type Guard = { id: number; claim: number };

/**
 * The dispatcher's statements: claims, completions, leases, endpoint state.
 * Synchronous, inside the transaction the group commit owns.
 *
 * A claim is named by its number (`claim`, one more at each claim of the
 * delivery), not by its lease: a recovered delivery may be claimed again with
 * the same expiry. Every completion is guarded by it (`state = 'in_flight' AND
 * claim = ?`): a stale one changes nothing. (Why `+?`: see claim-queries.ts.)
 */
export class DeliveryStatements {
  private readonly queries: { plain: ClaimQueries; ordered: ClaimQueries };
  private readonly lease: Statement<[number, number], { claim: number }>;
  private readonly delivered: Statement<[Guard & { now: number; status: number | null }], { n: number }>;
  private readonly retry: Statement<
    [Guard & { at: number; status: number | null; error: string | null }],
    { n: number }
  >;
  private readonly dead: Statement<
    [Guard & { now: number; status: number | null; error: string | null }],
    { n: number }
  >;
  private readonly release: Statement<
    [Guard & { made: number; at: number; status: number | null; error: string | null }],
    { n: number }
  >;
  private readonly insertAttempt: Statement<
    [number, number, number, number, number | null, string | null, Buffer | null]
  >;
  private readonly recoverAll: Statement<[]>;
  private readonly expire: Statement<[number]>;
  private readonly oldest: Statement<[string], { created_at: number }>;
  private readonly unfinished: Statement<[], { endpoint: string; n: number }>;
  private readonly selectStates: Statement<
    [],
    { name: string; state: EndpointAdminState; changed_at: number }
  >;
  private readonly upsertState: Statement<[string, string, number, string | null]>;

  constructor(db: Db) {
    this.queries = { plain: claimQueries(db, false), ordered: claimQueries(db, true) };
    this.lease = db.prepare(
      "UPDATE deliveries SET state = 'in_flight', lease_until = ?, claim = claim + 1 WHERE id = +? RETURNING claim",
    );
    const current = "WHERE id = +@id AND state = 'in_flight' AND claim = +@claim RETURNING attempts AS n";
    this.delivered = db.prepare(
      `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, finished_at = @now,
         last_status = @status, last_error = NULL, lease_until = NULL ${current}`,
    );
    // Recording the failure and scheduling the retry is one statement: a crash
    // cannot keep one without the other.
    this.retry = db.prepare(
      `UPDATE deliveries SET state = 'pending', attempts = attempts + 1, step = step + 1,
         next_attempt_at = @at, last_status = @status, last_error = @error, lease_until = NULL ${current}`,
    );
    this.dead = db.prepare(
      `UPDATE deliveries SET state = 'dead', attempts = attempts + 1, step = step + 1, finished_at = @now,
         last_status = @status, last_error = @error, lease_until = NULL ${current}`,
    );
    // An answer that releases (a pause, 410 Gone) is the last status like any other; a cut-off attempt has none.
    this.release = db.prepare(
      `UPDATE deliveries SET state = 'pending', attempts = attempts + @made, next_attempt_at = @at,
         last_status = CASE WHEN @made = 1 THEN @status ELSE last_status END,
         last_error = CASE WHEN @made = 1 THEN @error ELSE last_error END, lease_until = NULL ${current}`,
    );
    this.insertAttempt = db.prepare(
      `INSERT OR REPLACE INTO attempts (delivery_id, n, started_at, duration_ms, status, error, response)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.recoverAll = db.prepare(
      "UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight'",
    );
    this.expire = db.prepare(
      "UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight' AND lease_until < ?",
    );
    this.oldest = db.prepare(
      `SELECT created_at FROM deliveries WHERE endpoint = +? AND state IN ('pending', 'in_flight')
       ORDER BY created_at LIMIT 1`,
    );
    this.unfinished = db.prepare(
      `SELECT endpoint, count(*) AS n FROM deliveries
       WHERE state IN ('pending', 'in_flight') GROUP BY endpoint`,
    );
    this.selectStates = db.prepare('SELECT name, state, changed_at FROM endpoint_state');
    this.upsertState = db.prepare(
      `INSERT INTO endpoint_state (name, state, changed_at, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,
         reason = excluded.reason`,
    );
  }

  /**
   * First attempts up to `fresh`, then retries in what they leave (up to
   * `retries`); when fewer were due than asked for, also when the next is due.
   */
  claim(ask: ClaimAsk, now: number): Claim {
    const queries = ask.ordered ? this.queries.ordered : this.queries.plain;
    const fresh = this.leaseAll(queries.fresh.all(ask.endpoint, now, ask.fresh), ask.leaseUntil);
    const retryAsk = Math.min(ask.fresh - fresh.length, ask.retries);
    const retries =
      retryAsk > 0 ? this.leaseAll(queries.retries.all(ask.endpoint, now, retryAsk), ask.leaseUntil) : [];
    const exhausted = fresh.length < ask.fresh && retries.length < retryAsk;
    return {
      endpoint: ask.endpoint,
      fresh,
      retries,
      exhausted,
      nextDue: exhausted ? nextDue(queries, ask.endpoint) : undefined,
    };
  }

  /** Applies one completion if its claim is still current; true when applied. */
  complete(completion: Completion, now: number): boolean {
    const guard = { id: completion.deliveryId, claim: completion.claim };
    const attempt = completion.attempt;
    const status = attempt?.status ?? null;
    const error = attempt?.error ?? null;
    let row: { n: number } | undefined;
    switch (completion.next) {
      case 'delivered':
        row = this.delivered.get({ ...guard, now, status });
        break;
      case 'retry':
        row = this.retry.get({ ...guard, at: completion.at, status, error });
        break;
      case 'dead':
        row = this.dead.get({ ...guard, now, status, error });
        break;
      case 'release':
        row = this.release.get({ ...guard, made: attempt ? 1 : 0, at: completion.at, status, error });
        if (row && completion.disable) {
          this.setState(completion.disable.endpoint, 'disabled', now, completion.disable.reason);
        }
        break;
    }
    if (!row) return false;
    if (attempt) {
      this.insertAttempt.run(
        completion.deliveryId,
        row.n,
        attempt.startedAt,
        Math.round(attempt.durationMs),
        status,
        error,
        attempt.response ?? null,
      );
    }
    return true;
  }

  /** Every in-flight row back to pending (only one relay runs on a SQLite file: the lock says so). */
  recover(): number {
    return this.recoverAll.run().changes;
  }

  expireLeases(now: number): number {
    return this.expire.run(now).changes;
  }

  /** When the endpoint's oldest unfinished delivery was created (one index probe). */
  oldestUnfinished(endpoint: string): number | undefined {
    return this.oldest.get(endpoint)?.created_at;
  }

  unfinishedCounts(): Map<string, number> {
    return new Map(this.unfinished.all().map((row) => [row.endpoint, row.n]));
  }

  endpointStates(): Map<string, EndpointStateRecord> {
    return new Map(
      this.selectStates.all().map((row) => [row.name, { state: row.state, changedAt: row.changed_at }]),
    );
  }

  setState(name: string, state: EndpointAdminState, now: number, reason: string | undefined): void {
    this.upsertState.run(name, state, now, reason ?? null);
  }

  private leaseAll(rows: ClaimRow[], leaseUntil: number): ClaimedDelivery[] {
    return rows.map((row) => {
      const { claim } = this.lease.get(leaseUntil, row.id)!;
      return toClaimed(row, claim);
    });
  }
}

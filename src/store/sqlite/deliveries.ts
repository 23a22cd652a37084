import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';

/** A delivery claimed for an attempt, with what is needed to send it. */
export interface ClaimedDelivery {
  id: number;
  event_id: string;
  endpoint: string;
  attempts: number;
  step: number;
  created_at: number;
  source: string;
  type: string;
  content_type: string | null;
  body: Buffer;
}

export interface AttemptRecord {
  deliveryId: number;
  /** 1-based number of this attempt. */
  n: number;
  startedAt: number;
  durationMs: number;
  status: number | undefined;
  error: string | undefined;
  /** The first bytes of the answer (capped by the sender). */
  response: Buffer | undefined;
}

export type EndpointAdminState = 'active' | 'paused' | 'disabled';

/**
 * The dispatcher's statements. Like the Outbox, every method is synchronous
 * and runs inside a transaction its caller owns (the group commit), so claims
 * and completions share fsyncs with ingest.
 */
export class DeliveryStore {
  private readonly selectFresh: Statement<[string, number, number], ClaimedDelivery>;
  private readonly selectRetries: Statement<[string, number, number], ClaimedDelivery>;
  private readonly lease: Statement<[number, number]>;
  private readonly delivered: Statement<[number, number | null, number]>;
  private readonly retry: Statement<[number, number | null, string | null, number]>;
  private readonly dead: Statement<[number, number | null, string | null, number]>;
  private readonly release: Statement<[number, number, number]>;
  private readonly insertAttempt: Statement<
    [number, number, number, number, number | null, string | null, Buffer | null]
  >;
  private readonly recover: Statement<[]>;
  private readonly expire: Statement<[number]>;
  private readonly dueFresh: Statement<[string], { at: number | null }>;
  private readonly dueRetry: Statement<[string], { at: number | null }>;
  private readonly oldest: Statement<[string], { created_at: number }>;
  private readonly selectStates: Statement<[], { name: string; state: EndpointAdminState }>;
  private readonly upsertState: Statement<[string, string, number, string | null]>;

  constructor(db: Db) {
    const claimColumns = `d.id, d.event_id, d.endpoint, d.attempts, d.step, d.created_at,
       e.source, e.type, e.content_type, e.body`;
    this.selectFresh = db.prepare(
      `SELECT ${claimColumns} FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.endpoint = ? AND d.state = 'pending' AND d.attempts = 0 AND d.next_attempt_at <= ?
       ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    );
    this.selectRetries = db.prepare(
      `SELECT ${claimColumns} FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.endpoint = ? AND d.state = 'pending' AND d.attempts > 0 AND d.next_attempt_at <= ?
       ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    );
    this.lease = db.prepare("UPDATE deliveries SET state = 'in_flight', lease_until = ? WHERE id = ?");
    this.delivered = db.prepare(
      `UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, finished_at = ?,
         last_status = ?, last_error = NULL, lease_until = NULL WHERE id = ?`,
    );
    // Recording the failure and scheduling the retry is one statement: a crash
    // cannot keep one without the other.
    this.retry = db.prepare(
      `UPDATE deliveries SET state = 'pending', attempts = attempts + 1, step = step + 1,
         next_attempt_at = ?, last_status = ?, last_error = ?, lease_until = NULL WHERE id = ?`,
    );
    this.dead = db.prepare(
      `UPDATE deliveries SET state = 'dead', attempts = attempts + 1, step = step + 1, finished_at = ?,
         last_status = ?, last_error = ?, lease_until = NULL WHERE id = ?`,
    );
    this.release = db.prepare(
      `UPDATE deliveries SET state = 'pending', attempts = attempts + ?, next_attempt_at = ?,
         lease_until = NULL WHERE id = ?`,
    );
    this.insertAttempt = db.prepare(
      `INSERT OR REPLACE INTO attempts (delivery_id, n, started_at, duration_ms, status, error, response)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.recover = db.prepare(
      "UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight'",
    );
    this.expire = db.prepare(
      "UPDATE deliveries SET state = 'pending', lease_until = NULL WHERE state = 'in_flight' AND lease_until < ?",
    );
    this.dueFresh = db.prepare(
      "SELECT min(next_attempt_at) AS at FROM deliveries WHERE endpoint = ? AND state = 'pending' AND attempts = 0",
    );
    this.dueRetry = db.prepare(
      "SELECT min(next_attempt_at) AS at FROM deliveries WHERE endpoint = ? AND state = 'pending' AND attempts > 0",
    );
    this.oldest = db.prepare(
      `SELECT created_at FROM deliveries WHERE endpoint = ? AND state IN ('pending', 'in_flight')
       ORDER BY id LIMIT 1`,
    );
    this.selectStates = db.prepare('SELECT name, state FROM endpoint_state');
    this.upsertState = db.prepare(
      `INSERT INTO endpoint_state (name, state, changed_at, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,
         reason = excluded.reason`,
    );
  }

  /** Leases up to `limit` due first attempts of an endpoint, oldest first. */
  claimFresh(endpoint: string, now: number, limit: number, leaseUntil: number): ClaimedDelivery[] {
    return this.leaseAll(this.selectFresh.all(endpoint, now, limit), leaseUntil);
  }

  /** Leases up to `limit` due retries of an endpoint, most overdue first. */
  claimRetries(endpoint: string, now: number, limit: number, leaseUntil: number): ClaimedDelivery[] {
    return this.leaseAll(this.selectRetries.all(endpoint, now, limit), leaseUntil);
  }

  markDelivered(id: number, now: number, status: number): void {
    this.delivered.run(now, status, id);
  }

  scheduleRetry(id: number, at: number, status: number | undefined, error: string | undefined): void {
    this.retry.run(at, status ?? null, error ?? null, id);
  }

  markDead(id: number, now: number, status: number | undefined, error: string | undefined): void {
    this.dead.run(now, status ?? null, error ?? null, id);
  }

  /**
   * Back to pending without using a step: after a pause answer (the attempt
   * counts as made), or an attempt cut off by shutdown (it does not).
   */
  releaseWithoutStep(id: number, at: number, attemptMade: boolean): void {
    this.release.run(attemptMade ? 1 : 0, at, id);
  }

  recordAttempt(attempt: AttemptRecord): void {
    this.insertAttempt.run(
      attempt.deliveryId,
      attempt.n,
      attempt.startedAt,
      attempt.durationMs,
      attempt.status ?? null,
      attempt.error ?? null,
      attempt.response ?? null,
    );
  }

  /** At start: whatever was in flight when the last process stopped goes back to pending. */
  recoverInFlight(): number {
    return this.recover.run().changes;
  }

  /** Leases past their time go back to pending; returns how many. */
  expireLeases(now: number): number {
    return this.expire.run(now).changes;
  }

  /** The earliest time any pending delivery of the endpoint is due, or undefined. */
  nextDue(endpoint: string): number | undefined {
    const fresh = this.dueFresh.get(endpoint)?.at ?? undefined;
    const retry = this.dueRetry.get(endpoint)?.at ?? undefined;
    if (fresh === undefined) return retry;
    return retry === undefined ? fresh : Math.min(fresh, retry);
  }

  /** When the endpoint's oldest unfinished delivery was created (one index probe). */
  oldestUnfinished(endpoint: string): number | undefined {
    return this.oldest.get(endpoint)?.created_at;
  }

  endpointStates(): Map<string, EndpointAdminState> {
    return new Map(this.selectStates.all().map((row) => [row.name, row.state]));
  }

  setEndpointState(name: string, state: EndpointAdminState, now: number, reason: string | undefined): void {
    this.upsertState.run(name, state, now, reason ?? null);
  }

  private leaseAll(rows: ClaimedDelivery[], leaseUntil: number): ClaimedDelivery[] {
    for (const row of rows) this.lease.run(leaseUntil, row.id);
    return rows;
  }
}

import type { ClusterLeases, ClusterMember, ClusterSignal } from '../store.ts';
import { LEASES_CHANNEL, type Notifications } from './notifications.ts';
import type { Db } from './pool.ts';

/** Renew three times per lease: two renewals may fail before the lease runs out. */
const RENEWALS_PER_LEASE = 3;
/** Members silent this many leases are forgotten. */
const FORGET_AFTER_LEASES = 20;

/**
 * Leases on PostgreSQL. One renewal is one transaction: mark this member
 * alive, create lease rows for endpoints never seen, extend this relay's
 * own leases, then move toward an even share. The live members (seen within
 * the lease) split the endpoints floor(E/M) each, the first E mod M in name
 * order one more, so the shares add up to E whatever each member computes.
 * A member under its share takes free or expired leases (SKIP LOCKED: two
 * taking at once take different ones), raising each one's epoch and giving
 * its in-flight deliveries back to pending: their claims belong to the old
 * owner, whose completions the new epoch refuses. A member over its share
 * frees the rest; the epoch stays until someone takes them, so its
 * attempts still in flight can complete meanwhile. A freed lease is taken
 * only once none of those attempts is left (recorded, their claim run out,
 * or their relay silent for a lease): the old owner is alive and sending,
 * and taking it sooner would send beside them, past the endpoint's
 * concurrency. An expired lease is taken at once: its owner stopped
 * renewing, so it is presumed dead.
 */
export class PostgresLeases implements ClusterLeases {
  readonly renewEvery: number;
  private readonly db: Db;
  private readonly instance: string;
  private readonly lease: number;
  private readonly notifications: Notifications;
  /** What the last renewal answered: an enqueue signals the owners of the rest. */
  private owned = new Set<string>();

  constructor(db: Db, instance: string, lease: number, notifications: Notifications) {
    this.db = db;
    this.instance = instance;
    this.lease = lease;
    this.notifications = notifications;
    this.renewEvery = Math.floor(lease / RENEWALS_PER_LEASE);
  }

  renew(endpoints: readonly string[], now: number): Promise<{ owned: Set<string>; members: number }> {
    return this.db.transaction(async (client) => {
      const me = this.instance;
      // A member that was not live (new, or back after silence) asks the others to make room at once.
      const seen = await client.query<{ joined: boolean }>(
        `WITH before AS (SELECT last_seen FROM cluster_members WHERE instance = $1)
         INSERT INTO cluster_members (instance, last_seen) VALUES ($1, $2)
         ON CONFLICT (instance) DO UPDATE SET last_seen = excluded.last_seen
         RETURNING coalesce((SELECT last_seen FROM before) <= $3, true) AS joined`,
        [me, now, now - this.lease],
      );
      if (seen.rows[0]?.joined) await this.signal(client);
      await client.query('DELETE FROM cluster_members WHERE last_seen < $1', [
        now - FORGET_AFTER_LEASES * this.lease,
      ]);
      await client.query(
        `INSERT INTO endpoint_leases (endpoint) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT DO NOTHING`,
        [endpoints],
      );
      // Leases of endpoints this relay's config no longer names go back.
      await client.query(
        `UPDATE endpoint_leases SET owner = NULL, expires_at = 0 WHERE owner = $1 AND NOT (endpoint = ANY($2))`,
        [me, endpoints],
      );
      const mine = await client.query<{ endpoint: string }>(
        `UPDATE endpoint_leases SET expires_at = $2 WHERE owner = $1 RETURNING endpoint`,
        [me, now + this.lease],
      );
      const live = await client.query<{ instance: string }>(
        'SELECT instance FROM cluster_members WHERE last_seen > $1 ORDER BY instance COLLATE "C"',
        [now - this.lease],
      );
      const members = live.rows.map((row) => row.instance);
      const rank = Math.max(0, members.indexOf(me));
      const share =
        Math.floor(endpoints.length / members.length) + (rank < endpoints.length % members.length ? 1 : 0);
      const owned = new Set(mine.rows.map((row) => row.endpoint));
      if (owned.size < share) {
        const taken = await client.query<{ endpoint: string }>(
          `WITH free AS (
             SELECT endpoint FROM endpoint_leases
             WHERE endpoint = ANY($1) AND owner IS DISTINCT FROM $3 AND (
               (owner IS NOT NULL AND expires_at < $2)
               OR (owner IS NULL AND NOT EXISTS (SELECT 1 FROM deliveries d
                 JOIN cluster_members m ON m.instance = d.claimed_by AND m.last_seen > $6
                 WHERE d.endpoint = endpoint_leases.endpoint AND d.state = 'in_flight' AND d.lease_until >= $2)))
             ORDER BY endpoint LIMIT $4 FOR UPDATE SKIP LOCKED)
           UPDATE endpoint_leases l SET owner = $3, epoch = l.epoch + 1, expires_at = $5
           FROM free WHERE l.endpoint = free.endpoint RETURNING l.endpoint`,
          [endpoints, now, me, share - owned.size, now + this.lease, now - this.lease],
        );
        const gained = taken.rows.map((row) => row.endpoint);
        await client.query(
          `UPDATE deliveries SET state = 'pending', lease_until = NULL, claimed_by = NULL
           WHERE state = 'in_flight' AND endpoint = ANY($1)`,
          [gained],
        );
        for (const endpoint of gained) owned.add(endpoint);
      } else if (owned.size > share) {
        // Idle endpoints first: the new owner sends again whatever is in flight on one handed over.
        const freed = await client.query<{ endpoint: string }>(
          `UPDATE endpoint_leases SET owner = NULL, expires_at = 0 WHERE endpoint IN (
             SELECT l.endpoint FROM endpoint_leases l WHERE l.owner = $1
             ORDER BY EXISTS (SELECT 1 FROM deliveries d WHERE d.endpoint = l.endpoint AND d.state = 'in_flight'),
               l.endpoint DESC
             LIMIT $2)
           RETURNING endpoint`,
          [me, owned.size - share],
        );
        for (const row of freed.rows) owned.delete(row.endpoint);
        await this.signal(client);
      }
      this.owned = owned;
      return { owned, members: members.length };
    });
  }

  handedOver(): Promise<void> {
    return this.signal(this.db);
  }

  async leave(): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('UPDATE endpoint_leases SET owner = NULL, expires_at = 0 WHERE owner = $1', [
        this.instance,
      ]);
      await client.query('DELETE FROM cluster_members WHERE instance = $1', [this.instance]);
      await this.signal(client);
    });
    this.owned = new Set();
    await this.notifications.stop();
  }

  /** The endpoints of `endpoints` another relay owns (as far as the last renewal knows). */
  othersOf(endpoints: Iterable<string>): Set<string> {
    const others = new Set<string>();
    for (const endpoint of endpoints) if (!this.owned.has(endpoint)) others.add(endpoint);
    return others;
  }

  watch(listener: (signal: ClusterSignal) => void): void {
    this.notifications.watch((signal) => {
      if (signal.kind !== 'managed') listener(signal);
    });
  }

  async owners(now: number): Promise<Map<string, string>> {
    const { rows } = await this.db.query<{ endpoint: string; owner: string }>({
      name: 'relay-cluster-owners',
      text: 'SELECT endpoint, owner FROM endpoint_leases WHERE owner IS NOT NULL AND expires_at > $1',
      values: [now],
    });
    return new Map(rows.map((row) => [row.endpoint, row.owner]));
  }

  async members(now: number): Promise<ClusterMember[]> {
    const { rows } = await this.db.query<{ instance: string; last_seen: number; endpoints: number }>({
      name: 'relay-cluster-members',
      text: `SELECT m.instance, m.last_seen,
               (SELECT count(*) FROM endpoint_leases l WHERE l.owner = m.instance AND l.expires_at > $1) AS endpoints
             FROM cluster_members m WHERE m.last_seen > $2 ORDER BY m.instance COLLATE "C"`,
      values: [now, now - this.lease],
    });
    return rows.map((row) => ({ instance: row.instance, lastSeen: row.last_seen, endpoints: row.endpoints }));
  }

  /** Tells the others the leases changed; inside a transaction, sent when it commits. */
  private async signal(on: Pick<Db, 'query'>): Promise<void> {
    await on.query({ text: 'SELECT pg_notify($1, $2)', values: [LEASES_CHANNEL, this.instance] });
  }
}

import { type AuditRow, auditValues, type ManagedRow, toAuditRecord, toManagedObject } from '../rows.ts';
import type {
  AuditEntry,
  AuditLog,
  AuditRecord,
  ManagedChange,
  ManagedObject,
  ManagedObjects,
  ManagedSignal,
} from '../store.ts';
import { MANAGED_CHANNEL, type Notifications } from './notifications.ts';
import type { Db, PoolClient } from './pool.ts';

const INSERT_AUDIT = `INSERT INTO audit (at, actor, action, target, reason, outcome, detail)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

const asIs = (document: Record<string, unknown>) => document;

/** The audit log on PostgreSQL: appended alone, or inside a managed change's transaction. */
export class PostgresAudit implements AuditLog {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async append(entry: AuditEntry): Promise<void> {
    await this.db.session((client) => client.query(INSERT_AUDIT, auditValues(entry)));
  }

  async list(query: { since: number; before: number | undefined; limit: number }): Promise<AuditRecord[]> {
    const { rows } = await this.db.session((client) =>
      client.query<AuditRow<Record<string, unknown>>>(
        `SELECT id, at, actor, action, target, reason, outcome, detail FROM audit
         WHERE at >= $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
        [query.since, query.before ?? Number.MAX_SAFE_INTEGER, query.limit],
      ),
    );
    return rows.map((row) => toAuditRecord(row, asIs));
  }
}

/**
 * Managed objects on PostgreSQL; a change set, its audit entry and the
 * notification that tells the other relays are one transaction, so a change
 * rolled back tells nobody, and one committed is heard by every relay listening.
 */
export class PostgresManaged implements ManagedObjects {
  private readonly db: Db;
  private readonly instance: string;
  private readonly notifications: Notifications;

  constructor(db: Db, instance: string, notifications: Notifications) {
    this.db = db;
    this.instance = instance;
    this.notifications = notifications;
  }

  async list(): Promise<ManagedObject[]> {
    const { rows } = await this.db.session((client) =>
      client.query<ManagedRow<Record<string, unknown>>>(
        'SELECT kind, name, spec, created_at, updated_at FROM managed ORDER BY created_at, name',
      ),
    );
    return rows.map((row) => toManagedObject(row, asIs));
  }

  apply(changes: readonly ManagedChange[], entry: AuditEntry): Promise<void> {
    return this.db.transaction(async (client) => {
      for (const change of changes) await applyOne(client, change, entry.at);
      await client.query('SELECT pg_notify($1, $2)', [MANAGED_CHANNEL, this.instance]);
      await client.query(INSERT_AUDIT, auditValues(entry));
    });
  }

  async version(): Promise<string> {
    const { rows } = await this.db.query<{ n: number; digest: string | null }>({
      name: 'relay-managed-version',
      text: `SELECT count(*) AS n,
               md5(jsonb_agg(jsonb_build_array(kind, name, created_at, updated_at, spec) ORDER BY kind, name)::text) AS digest
             FROM managed`,
    });
    const row = rows[0]!;
    return `${row.n}:${row.digest ?? ''}`;
  }

  watch(listener: (signal: ManagedSignal) => void): void {
    this.notifications.watch((signal) => {
      // The signal connection was (re-)established: a change may have been sent while it was down.
      if (signal.kind === 'managed') listener({ kind: 'changed' });
      else if (signal.kind === 'resync') listener({ kind: 'resync' });
    });
  }
}

async function applyOne(client: PoolClient, change: ManagedChange, now: number): Promise<void> {
  if (change.spec === undefined) {
    await client.query('DELETE FROM managed WHERE kind = $1 AND name = $2', [change.kind, change.name]);
    return;
  }
  await client.query(
    `INSERT INTO managed (kind, name, spec, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (kind, name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`,
    [change.kind, change.name, JSON.stringify(change.spec), now],
  );
}

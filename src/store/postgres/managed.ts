import type {
  AuditEntry,
  AuditLog,
  AuditRecord,
  ManagedChange,
  ManagedKind,
  ManagedObject,
  ManagedObjects,
} from '../store.ts';
import type { Db, PoolClient } from './pool.ts';

interface ManagedRow {
  kind: ManagedKind;
  name: string;
  spec: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  outcome: string;
  detail: Record<string, unknown> | null;
}

const INSERT_AUDIT = `INSERT INTO audit (at, actor, action, target, reason, outcome, detail)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

function auditValues(entry: AuditEntry): unknown[] {
  return [
    entry.at,
    entry.actor,
    entry.action,
    entry.target ?? null,
    entry.reason ?? null,
    entry.outcome,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
  ];
}

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
      client.query<AuditRow>(
        `SELECT id, at, actor, action, target, reason, outcome, detail FROM audit
         WHERE at >= $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
        [query.since, query.before ?? Number.MAX_SAFE_INTEGER, query.limit],
      ),
    );
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target ?? undefined,
      reason: row.reason ?? undefined,
      outcome: row.outcome,
      detail: row.detail ?? undefined,
    }));
  }
}

/** Managed objects on PostgreSQL; a change set and its audit entry are one transaction. */
export class PostgresManaged implements ManagedObjects {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async list(): Promise<ManagedObject[]> {
    const { rows } = await this.db.session((client) =>
      client.query<ManagedRow>(
        'SELECT kind, name, spec, created_at, updated_at FROM managed ORDER BY created_at, name',
      ),
    );
    return rows.map((row) => ({
      kind: row.kind,
      name: row.name,
      spec: row.spec,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  apply(changes: readonly ManagedChange[], entry: AuditEntry): Promise<void> {
    return this.db.transaction(async (client) => {
      for (const change of changes) await applyOne(client, change, entry.at);
      await client.query(INSERT_AUDIT, auditValues(entry));
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

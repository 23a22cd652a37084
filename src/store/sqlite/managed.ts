import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
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
import type { Db } from './db.ts';

/** Runs `work` in the next group commit, fsynced: an API change is answered only once it is stored. */
type Transaction = <T>(work: () => T) => Promise<T>;

const parseJson = (text: string) => JSON.parse(text) as Record<string, unknown>;

/** The audit log: appended to on its own, or inside a managed change's transaction. */
export class SqliteAudit implements AuditLog {
  private readonly transaction: Transaction;
  private readonly insert: Statement<ReturnType<typeof auditValues>>;
  private readonly page: Statement<[number, number, number], AuditRow<string>>;

  constructor(db: Db, transaction: Transaction) {
    this.transaction = transaction;
    this.insert = db.prepare(
      'INSERT INTO audit (at, actor, action, target, reason, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.page = db.prepare(
      `SELECT id, at, actor, action, target, reason, outcome, detail FROM audit
       WHERE at >= ? AND id < ? ORDER BY id DESC LIMIT ?`,
    );
  }

  append(entry: AuditEntry): Promise<void> {
    return this.transaction(() => this.record(entry));
  }

  /** Inside a transaction the caller owns. */
  record(entry: AuditEntry): void {
    this.insert.run(...auditValues(entry));
  }

  async list(query: { since: number; before: number | undefined; limit: number }): Promise<AuditRecord[]> {
    const rows = this.page.all(query.since, query.before ?? Number.MAX_SAFE_INTEGER, query.limit);
    return rows.map((row) => toAuditRecord(row, parseJson));
  }
}

/** Managed objects; each change set is written with its audit entry in one transaction. */
export class SqliteManaged implements ManagedObjects {
  private readonly transaction: Transaction;
  private readonly audit: SqliteAudit;
  private readonly all: Statement<[], ManagedRow<string>>;
  private readonly upsert: Statement<{ kind: string; name: string; spec: string; now: number }>;
  private readonly remove: Statement<[string, string]>;

  constructor(db: Db, transaction: Transaction, audit: SqliteAudit) {
    this.transaction = transaction;
    this.audit = audit;
    this.all = db.prepare(
      'SELECT kind, name, spec, created_at, updated_at FROM managed ORDER BY created_at, name',
    );
    this.upsert = db.prepare(
      `INSERT INTO managed (kind, name, spec, created_at, updated_at) VALUES (@kind, @name, @spec, @now, @now)
       ON CONFLICT (kind, name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM managed WHERE kind = ? AND name = ?');
  }

  async list(): Promise<ManagedObject[]> {
    return this.all.all().map((row) => toManagedObject(row, parseJson));
  }

  apply(changes: readonly ManagedChange[], entry: AuditEntry): Promise<void> {
    return this.transaction(() => {
      for (const change of changes) {
        if (change.spec === undefined) this.remove.run(change.kind, change.name);
        else {
          const spec = JSON.stringify(change.spec);
          this.upsert.run({ kind: change.kind, name: change.name, spec, now: entry.at });
        }
      }
      this.audit.record(entry);
    });
  }

  /** A local read of a few rows: digested here rather than in SQL, which has no hash function. */
  async version(): Promise<string> {
    const rows = this.all.all();
    return `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
  }

  /** One relay per file: every change is made, and applied, by this relay. */
  watch(_listener: (signal: ManagedSignal) => void): void {}
}

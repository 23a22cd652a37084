import type { Statement } from 'better-sqlite3';
import { RelayError } from '../../errors.ts';
import type { Db } from './db.ts';
import { WalFile } from './wal-file.ts';

interface Pending {
  work: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Requests that arrive in the same event-loop turn share one transaction, and
 * so one fsync. Each runs in its own savepoint, so one failure fails only its
 * own request; every caller is answered only after the commit. The flush runs
 * at the end of the turn (setImmediate), not on a timer: a timer of even 1 ms
 * costs far more throughput than it gains at low concurrency.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly durability: 'full' | 'normal';
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;
  private readonly db: Db;
  private readonly onCommit: (size: number) => void;
  private readonly wal: WalFile;

  /**
   * With `durability: full`, a batch holding an acknowledged write (an
   * ingested event) is synced; a batch of only dispatcher bookkeeping
   * (claims, completions) is not: losing it in a power cut at worst resends
   * a delivery, which at-least-once allows, and the next sync covers it.
   *
   * The connection commits with `synchronous = NORMAL` (COMMIT writes the
   * WAL and never syncs it) and the batch syncs the WAL file itself after
   * COMMIT, which is what `synchronous = FULL` does inside it. So the setting
   * never changes between batches: a PRAGMA is compiled each time it is run
   * (SQLite applies a prepared one only once), and at one event a commit the
   * switching cost as much as the statements. Like FULL's, the sync holds
   * the event loop: requests that arrive meanwhile are read together and
   * share the next commit, which measured cheaper than a sync on the thread
   * pool (README, "Where the time goes").
   */
  constructor(db: Db, durability: 'full' | 'normal', onCommit: (size: number) => void = () => {}) {
    this.db = db;
    this.durability = durability;
    this.onCommit = onCommit;
    this.wal = new WalFile(db.name);
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT item');
    this.release = db.prepare('RELEASE item');
    this.rollbackTo = db.prepare('ROLLBACK TO item');
  }

  /**
   * Runs `work` inside the next shared transaction and resolves after the
   * commit; `durable: false` marks bookkeeping that needs no sync.
   */
  run<T>(work: () => T, options: { durable: boolean } = { durable: true }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        durable: options.durable,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now; used by the scheduled flush and at shutdown. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.begin.run();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      // A lone item needs no savepoint: its failure fails the transaction, which is all it holds.
      if (batch.length === 1) results.push({ ok: true, value: batch[0]!.work() });
      else for (const item of batch) results.push(this.runInSavepoint(item.work));
      this.commit.run();
    } catch (error) {
      // The transaction itself failed (disk full, I/O error): nothing of it stands.
      if (this.db.inTransaction) this.rollback.run();
      for (const item of batch) item.reject(error);
      return;
    }
    this.onCommit(batch.length);
    const mustSync = this.durability === 'full' && batch.some((item) => item.durable);
    const unsynced = mustSync ? this.syncWal() : undefined;
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (!result.ok) item.reject(result.value);
      // Its rows are committed either way: a caller told no may send again (a duplicate, never a loss).
      else if (unsynced && item.durable) item.reject(unsynced);
      else item.resolve(result.value);
    });
  }

  /** Closes the WAL file; after the last flush. */
  close(): void {
    this.wal.close();
  }

  /** fdatasync of the WAL; undefined once it is on disk, else why not. */
  private syncWal(): RelayError | undefined {
    try {
      this.wal.sync();
      return undefined;
    } catch (error) {
      return new RelayError(
        'RELAY_ERR_STORAGE_BUSY',
        `the database could not be synced to disk (${(error as { code?: string }).code ?? String(error)}); try again`,
        { cause: error },
      );
    }
  }

  private runInSavepoint(work: () => unknown): { ok: boolean; value: unknown } {
    this.savepoint.run();
    try {
      const value = work();
      this.release.run();
      return { ok: true, value };
    } catch (error) {
      // Some errors (SQLITE_FULL, I/O errors) make SQLite roll back the whole
      // transaction itself: then the batch fails as one, with the real cause.
      if (!this.db.inTransaction) throw error;
      // If undoing the savepoint fails too, this throws and fails the whole batch.
      this.rollbackTo.run();
      this.release.run();
      return { ok: false, value: error };
    }
  }
}

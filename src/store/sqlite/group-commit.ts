import type { Statement } from 'better-sqlite3';
import { RelayError } from '../../errors.ts';
import type { Db } from './db.ts';
import { WalFile } from './wal-file.ts';

/**
 * `durable`: an acknowledged write, synced with `durability: full`.
 * `eager`: bookkeeping that commits even while a sync runs, because what
 * waits for its answer is a send (a claim); other bookkeeping joins the
 * batch after the sync, one commit less.
 * `deferrable`: bookkeeping whose answer nothing but bookkeeping waits for;
 * it waits up to DEFER_MS for other work to share a commit with.
 * `linger`: a durable write whose caller expects company soon (other
 * clients are connected and not waiting); in a small batch it waits up to
 * LINGER_MS for it.
 */
export interface WriteOptions {
  durable: boolean;
  eager?: boolean;
  deferrable?: boolean;
  linger?: boolean;
}

/**
 * How long a batch of only deferrable writes waits for company. At 1,000
 * events/s an event arrives every millisecond, so nearly every completion
 * shares its event's commit: measured, a commit per delivery instead of 1.5
 * and a tenth less CPU per delivery. Short, because what the completion
 * holds back (the admin API's view of the delivery, its settled event) is
 * shown that much later.
 */
export const DEFER_MS = 5;

/**
 * How long a small batch of durable writes that expect company waits for it.
 * At 1,000 events/s each event was alone in its commit and its WAL sync:
 * measured, waiting 1 ms took two commits in five away and a tenth of the
 * CPU per delivery, for about 1 ms more before the answer. A batch as large
 * as LINGER_BELOW commits at once: under load, commits are full already.
 */
export const LINGER_MS = 1;
export const LINGER_BELOW = 4;

interface Pending {
  work: () => unknown;
  durable: boolean;
  eager: boolean;
  deferrable: boolean;
  linger: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Result {
  ok: boolean;
  value: unknown;
}

/**
 * Requests that arrive in the same event-loop turn share one transaction, and
 * so one fsync. Each runs in its own savepoint, so one failure fails only its
 * own request; every caller is answered only after the commit (and for an
 * acknowledged write, after the sync). The flush runs at the end of the turn
 * (setImmediate), not on a timer: a timer of even 1 ms costs far more
 * throughput than it gains when each client waits for its answer before it
 * sends again. Only writes whose callers expect company wait (`linger`).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Armed while the queue waits for company (deferrable or lingering writes): commits it when it fires. */
  private held: NodeJS.Timeout | undefined;
  private heldUntil = 0;
  /** The WAL's fdatasync on libuv's thread pool, while one runs. */
  private syncing: Promise<void> | undefined;
  /** Eager items were committed since the last sync began: claims, which a sync holding the loop would hold up. */
  private claimedSinceSync = false;
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
   * switching cost as much as the statements.
   *
   * When claims were committed since the last sync (a backlog is being
   * sent from the store), the sync runs on the thread pool. While it runs,
   * acknowledged writes queue without committing, and all that queued share
   * the next commit and sync when it ends: as many syncs as when the sync
   * holds the event loop. Eager bookkeeping (claims) commits meanwhile, so
   * the backlog's sends do not wait for the disk; other bookkeeping waits
   * and joins the next commit. Bookkeeping is answered at its commit, before
   * the sync of a batch it shares. So a claim may take a delivery whose event
   * is committed and not yet synced: sent before its event is acknowledged,
   * which a power cut can at worst turn into a duplicate (the sender, not
   * answered, sends again), never a loss. With no claims about, the sync
   * holds the loop: nothing would run meanwhile, and requests that arrive are
   * read together after it, for less CPU than a hop to the pool and back
   * (README, "What moved the figures this time").
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
   * commit (and its sync, for a durable write).
   */
  run<T>(work: () => T, options: WriteOptions = { durable: true }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        durable: options.durable,
        eager: !options.durable && options.eager === true,
        deferrable: !options.durable && options.eager !== true && options.deferrable === true,
        linger: options.durable && options.linger === true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.schedule();
    });
  }

  /** Commits and syncs all that is queued, and waits for the sync running; at shutdown. */
  async settle(): Promise<void> {
    while (this.syncing || this.queue.length > 0) {
      if (this.syncing) await this.syncing;
      else this.flush(true);
    }
  }

  /** Closes the WAL file; after `settle`. */
  close(): void {
    this.stopHolding();
    this.wal.close();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** `now`: without waiting for company (the window ended, or shutdown). */
  private flush(now = false): void {
    this.scheduled = false;
    const wait = now || this.syncing ? undefined : this.companyWait();
    if (wait !== undefined) {
      this.holdFor(wait);
      return;
    }
    if (!this.syncing) this.stopHolding();
    const batch = this.syncing ? this.takeEager() : this.takeAll();
    if (batch.length === 0) return;
    const results = this.commitBatch(batch);
    if (!results) return;
    this.onCommit(batch.length);
    if (!this.claimedSinceSync) this.claimedSinceSync = batch.some((item) => item.eager);
    const mustSync = this.durability === 'full' && batch.some((item) => item.durable);
    const synced: [Pending, Result][] = [];
    batch.forEach((item, i) => {
      const result = results[i]!;
      if (!result.ok) item.reject(result.value);
      else if (mustSync && item.durable) synced.push([item, result]);
      // Bookkeeping is answered at commit: a claim's sends need not wait for the sync.
      else item.resolve(result.value);
    });
    if (!mustSync) return;
    if (this.claimedSinceSync) {
      this.claimedSinceSync = false;
      this.syncing = this.syncOnPool(synced);
      return;
    }
    // No claims about: nothing would run while the sync held the loop, and holding it costs less CPU.
    let unsynced: RelayError | undefined;
    try {
      this.wal.syncNow();
    } catch (error) {
      unsynced = notSynced(error);
    }
    this.answer(synced, unsynced);
  }

  /** How long the queue may wait for company; undefined: commit it now. */
  private companyWait(): number | undefined {
    if (this.queue.every((item) => item.deferrable)) return DEFER_MS;
    const small = this.queue.length < LINGER_BELOW;
    if (small && this.queue.every((item) => item.deferrable || item.linger)) return LINGER_MS;
    return undefined;
  }

  /** Arms the timer that commits the queue, unless one armed already fires sooner. */
  private holdFor(ms: number): void {
    if (this.queue.length === 0) return;
    const until = performance.now() + ms;
    if (this.held && this.heldUntil <= until) return;
    clearTimeout(this.held);
    this.heldUntil = until;
    this.held = setTimeout(() => {
      this.held = undefined;
      this.flush(true);
    }, ms);
  }

  private stopHolding(): void {
    clearTimeout(this.held);
    this.held = undefined;
  }

  private takeAll(): Pending[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  /** Takes the eager items queued, in order, and leaves the rest queued. */
  private takeEager(): Pending[] {
    const taken: Pending[] = [];
    const left: Pending[] = [];
    for (const item of this.queue) (item.eager ? taken : left).push(item);
    this.queue = left;
    return taken;
  }

  /** One transaction for the batch; undefined when it failed as a whole (every item rejected). */
  private commitBatch(batch: Pending[]): Result[] | undefined {
    try {
      this.begin.run();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return undefined;
    }
    const results: Result[] = [];
    try {
      // A lone item needs no savepoint: its failure fails the transaction, which is all it holds.
      if (batch.length === 1) results.push({ ok: true, value: batch[0]!.work() });
      else for (const item of batch) results.push(this.runInSavepoint(item.work));
      this.commit.run();
      return results;
    } catch (error) {
      // The transaction itself failed (disk full, I/O error): nothing of it stands.
      if (this.db.inTransaction) this.rollback.run();
      for (const item of batch) item.reject(error);
      return undefined;
    }
  }

  /** fdatasync of the WAL on the thread pool, then the answers it held; what queued meanwhile is flushed after. */
  private async syncOnPool(synced: [Pending, Result][]): Promise<void> {
    const unsynced = await this.wal.sync().then(() => undefined, notSynced);
    this.syncing = undefined;
    this.answer(synced, unsynced);
    if (this.queue.length > 0) this.schedule();
  }

  /** Answers the durable writes a sync held; told no, a caller may send again (a duplicate, never a loss). */
  private answer(synced: [Pending, Result][], unsynced?: RelayError): void {
    for (const [item, result] of synced) {
      if (unsynced) item.reject(unsynced);
      else item.resolve(result.value);
    }
  }

  private runInSavepoint(work: () => unknown): Result {
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

function notSynced(error: unknown): RelayError {
  return new RelayError(
    'RELAY_ERR_STORAGE_BUSY',
    `the database could not be synced to disk (${(error as { code?: string }).code ?? String(error)}); try again`,
    { cause: error },
  );
}

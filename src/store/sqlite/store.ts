import { RelayError } from '../../errors.ts';
import type {
  Claim,
  ClaimAsk,
  ClusterLeases,
  Completion,
  EndpointAdminState,
  EndpointStateRecord,
  EnqueueResult,
  NewEvent,
  PruneResult,
  Store,
} from '../store.ts';
import { type Db, maxPages, openDatabase, storageRefusal } from './db.ts';
import { DeliveryStatements } from './deliveries.ts';
import { DiskSpace } from './disk.ts';
import { EventStatements } from './events.ts';
import { GroupCommit, type WriteOptions } from './group-commit.ts';
import { acquireDatabaseLock } from './lock.ts';
import { SqliteAudit, SqliteManaged } from './managed.ts';
import { migrate } from './migrate.ts';
import { nativeBindingFor } from './native.ts';
import { SqliteOperator } from './operator.ts';
import { PRUNE_BATCH, PruneStatements } from './prune.ts';
import { SqliteReads } from './reads.ts';
import { SizeCap } from './size-cap.ts';

export interface SqliteStoreOptions {
  path: string;
  durability: 'full' | 'normal';
  /** `storage.max_size` in bytes: past it writes fail with SQLITE_FULL. */
  maxSize?: number | undefined;
  /** `limits.min_free_disk`, read at each check so a reload applies. */
  minFreeDisk: () => number;
  /** A loaded better-sqlite3 addon; by default the single executable's own, or better-sqlite3's. */
  nativeBinding?: object | undefined;
  /** After each group commit: how many units of work it held. */
  onCommit?: (items: number) => void;
}

/**
 * Acknowledged writes (events, operator changes) are fsynced with `durability:
 * full`; the dispatcher's bookkeeping (claims, completions, lease expiry,
 * pruning) is not: losing it in a power cut at worst resends a delivery,
 * which at-least-once allows, and the next fsync covers it.
 */
const DURABLE = { durable: true };
const BOOKKEEPING = { durable: false };
/** Bookkeeping whose answer a send waits for: committed even while a sync runs (GroupCommit). */
const EAGER_BOOKKEEPING = { durable: false, eager: true };
/** Bookkeeping nothing waits for: held a few ms to share the next commit (GroupCommit). */
const DEFERRABLE_BOOKKEEPING = { durable: false, deferrable: true };
/** An acknowledged write whose caller expects company: a small batch waits up to LINGER_MS for it (GroupCommit). */
const LINGERING_DURABLE = { durable: true, linger: true };

/** The Store on one SQLite file: one relay per file, held by an OS lock that dies with the process. */
export function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const nativeBinding = options.nativeBinding ?? nativeBindingFor(options.path);
  const lock = acquireDatabaseLock(options.path, nativeBinding);
  let db: Db | undefined;
  try {
    db = openDatabase({ ...options, nativeBinding });
    migrate(db);
    return Promise.resolve(new SqliteStore(db, options, () => lock.release()));
  } catch (error) {
    db?.close();
    lock.release();
    return Promise.reject(error);
  }
}

class SqliteStore implements Store {
  readonly reads: SqliteReads;
  readonly operator: SqliteOperator;
  readonly managed: SqliteManaged;
  readonly audit: SqliteAudit;
  readonly cluster: ClusterLeases = soleOwner;
  private readonly db: Db;
  private readonly options: SqliteStoreOptions;
  private readonly groupCommit: GroupCommit;
  private readonly events: EventStatements;
  private readonly deliveries: DeliveryStatements;
  private readonly pruning: PruneStatements;
  private readonly disk: DiskSpace;
  private readonly sizeCap: SizeCap | undefined;
  private readonly probe: { begin: { run(): unknown }; rollback: { run(): unknown } };
  private readonly unlock: () => void;
  private closing: Promise<void> | undefined;

  constructor(db: Db, options: SqliteStoreOptions, unlock: () => void) {
    this.db = db;
    this.options = options;
    this.unlock = unlock;
    this.sizeCap = options.maxSize === undefined ? undefined : new SizeCap(db, maxPages(db, options.maxSize));
    this.groupCommit = new GroupCommit(db, options.durability, (items) => {
      this.sizeCap?.sample();
      options.onCommit?.(items);
    });
    this.events = new EventStatements(db);
    this.deliveries = new DeliveryStatements(db);
    this.pruning = new PruneStatements(db);
    this.reads = new SqliteReads(db, this.events.thresholds);
    this.operator = new SqliteOperator(db, (work) => this.write(work, DURABLE));
    this.audit = new SqliteAudit(db, (work) => this.write(work, DURABLE));
    this.managed = new SqliteManaged(db, (work) => this.write(work, DURABLE), this.audit);
    this.disk = new DiskSpace(options.path);
    this.probe = { begin: db.prepare('BEGIN IMMEDIATE'), rollback: db.prepare('ROLLBACK') };
  }

  enqueue(event: NewEvent, options: { linger?: boolean } = {}): Promise<EnqueueResult> {
    return this.write(() => this.events.enqueue(event), options.linger ? LINGERING_DURABLE : DURABLE);
  }

  /** Every lane of one pump is claimed in one group-commit item. */
  claim(asks: readonly ClaimAsk[], now: number): Promise<Claim[]> {
    return this.write(() => asks.map((ask) => this.deliveries.claim(ask, now)), EAGER_BOOKKEEPING);
  }

  complete(
    completions: readonly Completion[],
    now: number,
    options: { deferrable?: boolean } = {},
  ): Promise<boolean[]> {
    return this.write(
      () => completions.map((c) => this.deliveries.complete(c, now)),
      options.deferrable ? DEFERRABLE_BOOKKEEPING : BOOKKEEPING,
    );
  }

  /** Runs once at start, before any other write: its own statement, not a group-commit item. */
  async recover(): Promise<number> {
    return this.read(() => this.deliveries.recover());
  }

  expireLeases(now: number): Promise<number> {
    return this.write(() => this.deliveries.expireLeases(now), EAGER_BOOKKEEPING);
  }

  async endpointStates(): Promise<Map<string, EndpointStateRecord>> {
    return this.read(() => this.deliveries.endpointStates());
  }

  setEndpointState(name: string, state: EndpointAdminState, now: number, reason: string | undefined) {
    return this.write(() => this.deliveries.setState(name, state, now, reason), DURABLE);
  }

  async unfinishedCounts(): Promise<Map<string, number>> {
    return this.read(() => this.deliveries.unfinishedCounts());
  }

  async oldestUnfinished(endpoints: readonly string[]): Promise<Map<string, number>> {
    return this.read(() => {
      const oldest = new Map<string, number>();
      for (const name of endpoints) {
        const at = this.deliveries.oldestUnfinished(name);
        if (at !== undefined) oldest.set(name, at);
      }
      return oldest;
    });
  }

  /** One small transaction per batch, so ingest's commits interleave with a long pass. */
  async prune(cutoff: number, now: number): Promise<PruneResult> {
    const total: PruneResult = { deliveries: 0, events: 0, keys: 0, counts: 0, pages: 0 };
    for (;;) {
      const batch = await this.write(() => this.pruning.pruneDeliveries(cutoff), BOOKKEEPING);
      total.deliveries += batch.deliveries;
      total.events += batch.events;
      if (batch.deliveries < PRUNE_BATCH) break;
    }
    for (;;) {
      const batch = await this.write(() => this.pruning.pruneUndelivered(cutoff), BOOKKEEPING);
      total.events += batch.events;
      if (batch.examined < PRUNE_BATCH) break;
    }
    for (;;) {
      const keys = await this.write(() => this.pruning.pruneKeys(now), BOOKKEEPING);
      total.keys += keys;
      if (keys < PRUNE_BATCH) break;
    }
    for (;;) {
      const counts = await this.write(() => this.events.thresholds.prune(now, PRUNE_BATCH), BOOKKEEPING);
      total.counts += counts;
      if (counts < PRUNE_BATCH) break;
    }
    total.pages = this.read(() => this.pruning.vacuum());
    this.sizeCap?.sample();
    return total;
  }

  refusal(): RelayError | undefined {
    if (this.sizeCap?.full) {
      return new RelayError('RELAY_ERR_STORAGE_FULL', 'the database has reached storage.max_size');
    }
    if (this.disk.free < this.options.minFreeDisk()) {
      return new RelayError('RELAY_ERR_STORAGE_FULL', 'free disk space is below limits.min_free_disk');
    }
    return undefined;
  }

  freeDisk(): number {
    return this.disk.free;
  }

  /** Can this connection take the write lock right now? */
  async writable(): Promise<string | undefined> {
    try {
      this.probe.begin.run();
      this.probe.rollback.run();
      return undefined;
    } catch (error) {
      return `database not writable: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  close(): Promise<void> {
    // What is queued is committed and synced first (its callers are answered), then the rest.
    this.closing ??= this.groupCommit.settle().then(
      () => this.closeAll([]),
      (error: unknown) => this.closeAll([error]),
    );
    return this.closing;
  }

  /** Every step runs even if one fails: the database must not stay open, nor the lock held. */
  private closeAll(failures: unknown[]): void {
    const steps = [
      () => this.groupCommit.close(),
      () => this.disk.stop(),
      () => this.db.close(),
      () => this.unlock(),
    ];
    for (const step of steps) {
      try {
        step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  private write<T>(work: () => T, options: WriteOptions): Promise<T> {
    return this.groupCommit.run(work, options).catch((error: unknown) => {
      throw storageRefusal(error) ?? error;
    });
  }

  /** Runs `work` now, outside the group commit: reads, and the few writes that stand alone. */
  private read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storageRefusal(error) ?? error;
    }
  }
}

/** One relay per file (the lock says so): it owns every endpoint, with nothing to renew. */
const soleOwner: ClusterLeases = {
  renewEvery: undefined,
  renew: (endpoints) => Promise.resolve({ owned: new Set(endpoints), members: 1 }),
  leave: () => Promise.resolve(),
  handedOver: () => Promise.resolve(),
  members: () => Promise.resolve([]),
  owners: () => Promise.resolve(new Map()),
  watch: () => {},
};

import { hostname } from 'node:os';
import type { RelayError } from '../../errors.ts';
import type {
  Claim,
  ClaimAsk,
  Completion,
  EndpointAdminState,
  EndpointStateRecord,
  EnqueueResult,
  NewEvent,
  PruneResult,
  Store,
} from '../store.ts';
import { claim } from './claims.ts';
import { PostgresLeases } from './cluster.ts';
import { complete } from './completions.ts';
import { endpointStates, setEndpointState } from './endpoint-state.ts';
import { enqueueBatch } from './enqueue.ts';
import { EnqueueGroupCommit } from './group-commit.ts';
import { expireLeases, oldestUnfinished, recover, unfinishedCounts } from './leases.ts';
import { PostgresAudit, PostgresManaged } from './managed.ts';
import { migrate } from './migrate.ts';
import { Notifications, workPayload } from './notifications.ts';
import { PostgresOperator } from './operator.ts';
import { Db } from './pool.ts';
import { PostgresPruner } from './prune.ts';
import { PostgresReads } from './reads.ts';

export interface PostgresStoreOptions {
  /** postgres://user:pass@host:port/db?sslmode=… (`storage.url`). */
  url: string;
  /** Connections this relay opens at most (`storage.pool`). */
  pool?: number | undefined;
  /** This relay's name among those sharing the database (`cluster.instance`); default hostname-pid. */
  instance?: string | undefined;
  /** How long an endpoint's lease lasts unless renewed (`cluster.lease`). */
  lease?: number | undefined;
  /** After each commit of a batch of events: how many it held. */
  onCommit?: (items: number) => void;
}

const DEFAULT_POOL = 10;
const DEFAULT_LEASE_MS = 15_000;
/** Readiness must answer fast: a database slower than this is not ready to take writes. */
const WRITABLE_TIMEOUT_MS = 1_000;

/**
 * The Store on PostgreSQL: any number of relays may share one database. Every
 * batch is one statement, so one round trip and one commit; SQL text and
 * driver errors stay in this folder (pool.ts maps every error on its way out).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const size = Math.max(2, options.pool ?? DEFAULT_POOL);
  const instance = options.instance || `${hostname()}-${process.pid}`;
  const name = `relay ${instance}`;
  const durable = new Db(options.url, Math.ceil(size / 2), name);
  try {
    await migrate(durable);
  } catch (error) {
    await durable.end().catch(() => {});
    throw error;
  }
  const pools = { durable, bookkeeping: new Db(options.url, Math.floor(size / 2), name, false) };
  const notifications = new Notifications(options.url, instance);
  const leases = new PostgresLeases(
    pools.bookkeeping,
    instance,
    options.lease ?? DEFAULT_LEASE_MS,
    notifications,
  );
  return new PostgresStore(pools, instance, leases, notifications, options.onCommit);
}

/**
 * Two pools, as SQLite has two fsync policies: acknowledged writes (events,
 * operator changes, endpoint states) and reads on `durable`, committed to
 * disk before they answer; the dispatcher's bookkeeping (claims,
 * completions, leases, pruning) on `bookkeeping`, which does not wait for
 * the WAL flush: a server crash at worst resends a delivery.
 */
interface Pools {
  durable: Db;
  bookkeeping: Db;
}

class PostgresStore implements Store {
  readonly reads: PostgresReads;
  readonly operator: PostgresOperator;
  readonly cluster: PostgresLeases;
  readonly managed: PostgresManaged;
  readonly audit: PostgresAudit;
  private readonly pools: Pools;
  private readonly notifications: Notifications;
  private readonly instance: string;
  private readonly groupCommit: EnqueueGroupCommit;
  private readonly pruner: PostgresPruner;
  private closing: Promise<void> | undefined;

  constructor(
    pools: Pools,
    instance: string,
    cluster: PostgresLeases,
    notifications: Notifications,
    onCommit?: (items: number) => void,
  ) {
    const { durable, bookkeeping } = pools;
    this.pools = pools;
    this.notifications = notifications;
    this.cluster = cluster;
    this.instance = instance;
    // All but one durable connection for ingest's batches: admin reads and writes keep one.
    this.groupCommit = new EnqueueGroupCommit(
      (events) => enqueueBatch(durable, events, workPayload(cluster.othersOf(events.flatMap(mayReach)))),
      Math.max(1, durable.size - 1),
      onCommit,
    );
    this.pruner = new PostgresPruner(bookkeeping);
    this.reads = new PostgresReads(durable);
    this.operator = new PostgresOperator(durable);
    this.managed = new PostgresManaged(durable, instance, notifications);
    this.audit = new PostgresAudit(durable);
  }

  /** The database is not on this machine's disk: no local headroom to report. */
  freeDisk(): undefined {
    return undefined;
  }

  /** `linger` is not needed here: while a batch commits, the events that come meanwhile gather for the next. */
  enqueue(event: NewEvent): Promise<EnqueueResult> {
    return this.groupCommit.run(event);
  }

  claim(asks: readonly ClaimAsk[], now: number): Promise<Claim[]> {
    return claim(this.pools.bookkeeping, asks, now, this.instance);
  }

  /** Each batch is one statement on the bookkeeping pool, at once: there is no commit here to share. */
  complete(completions: readonly Completion[], now: number): Promise<boolean[]> {
    return complete(this.pools.bookkeeping, completions, now, this.instance);
  }

  recover(now: number): Promise<number> {
    return recover(this.pools.bookkeeping, now, this.instance);
  }

  expireLeases(now: number): Promise<number> {
    return expireLeases(this.pools.bookkeeping, now);
  }

  endpointStates(): Promise<Map<string, EndpointStateRecord>> {
    return endpointStates(this.pools.durable);
  }

  setEndpointState(name: string, state: EndpointAdminState, now: number, reason: string | undefined) {
    return setEndpointState(this.pools.durable, name, state, now, reason, this.instance);
  }

  unfinishedCounts(): Promise<Map<string, number>> {
    return unfinishedCounts(this.pools.durable);
  }

  oldestUnfinished(endpoints: readonly string[]): Promise<Map<string, number>> {
    return oldestUnfinished(this.pools.durable, endpoints);
  }

  prune(cutoff: number, now: number): Promise<PruneResult> {
    return this.pruner.prune(cutoff, now);
  }

  /** Nothing is known without a round trip: the server's disk is the server's business (53100 says so). */
  refusal(): RelayError | undefined {
    return undefined;
  }

  async writable(): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`the database did not answer within ${WRITABLE_TIMEOUT_MS} ms`),
        WRITABLE_TIMEOUT_MS,
      );
    });
    const probe = this.pools.durable.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => `database not writable: ${error instanceof Error ? error.message : String(error)}`,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Every step runs even if one fails: the pool must not stay open.
      try {
        await this.groupCommit.flush();
      } finally {
        await this.notifications.stop();
        await Promise.all([this.pools.durable.end(), this.pools.bookkeeping.end()]);
      }
    })();
    return this.closing;
  }
}

/** Every endpoint an event may get a delivery for: its fan-out, and those behind its threshold routes. */
const mayReach = (event: NewEvent) => [
  ...event.endpoints,
  ...(event.gates ?? []).flatMap((gate) => gate.endpoints),
];

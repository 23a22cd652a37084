import type { RelayError } from '../errors.ts';
import type { AuditLog } from './audit-log.ts';
import type { Claim, ClaimAsk, Completion } from './claims.ts';
import type { ClusterLeases } from './cluster-leases.ts';
import type { EndpointAdminState, EndpointStateRecord } from './endpoint-state.ts';
import type { EnqueueResult, NewEvent } from './events.ts';
import type { ManagedObjects } from './managed-objects.ts';
import type { OperatorWrites } from './operator-writes.ts';
import type { StoreReads } from './reads.ts';

// What the Store's methods take and answer lives beside it, one concept a file;
// it is all re-exported here, so callers import from the Store alone.
export type { AuditEntry, AuditLog, AuditRecord } from './audit-log.ts';
export type { AttemptRecord, Claim, ClaimAsk, ClaimedDelivery, Completion } from './claims.ts';
export type { ClusterLeases, ClusterMember, ClusterSignal } from './cluster-leases.ts';
export { type DeliveryState, deliveryStates } from './delivery-state.ts';
export type { EndpointAdminState, EndpointStateRecord } from './endpoint-state.ts';
export type {
  EnqueueResult,
  EventHold,
  EventPosition,
  FreshLease,
  NewEvent,
  StoredEvent,
  ThresholdGate,
} from './events.ts';
export type {
  ManagedChange,
  ManagedKind,
  ManagedObject,
  ManagedObjects,
  ManagedSignal,
} from './managed-objects.ts';
export type { OperatorWrites, ReplayRequest, ReplayState } from './operator-writes.ts';
export type { AttemptEntry, DeliveryDetail, EventFilter, EventSummary, StoreReads } from './reads.ts';

/**
 * The outbox as the rest of relay sees it: units of work in relay's own
 * types, never rows or statements. Every backend (store/sqlite/, later
 * store/postgres/) implements this; the contract suite in test/store/contract/
 * holds them all to it. Batching (group commit), fsync policy, transactions
 * and the mapping of driver errors to RelayErrors are each backend's own
 * business: a write that cannot be stored right now rejects with a
 * RELAY_ERR_STORAGE_* RelayError.
 */
export interface Store {
  /**
   * Stores an event with one pending delivery per endpoint of its fan-out,
   * created and due at `receivedAt`, unless its idempotency key was seen
   * within the window: a key is held by the event that stored it until its
   * `expiresAt` (at `receivedAt >= expiresAt` it is free again), per source;
   * a duplicate answers with that event's id, stores nothing and extends
   * nothing. Durable before it resolves. Events handed over together (in one
   * event-loop turn) may share one transaction; each still succeeds or fails
   * on its own, and one that fails leaves nothing behind, its key included.
   * `options.linger`: the caller expects other events soon (other clients
   * are connected and not waiting), so the store may hold the write about a
   * millisecond to share its commit and sync with them.
   */
  enqueue(event: NewEvent, options?: { linger?: boolean }): Promise<EnqueueResult>;
  /** Leases due deliveries for each ask, in one unit of work. */
  claim(asks: readonly ClaimAsk[], now: number): Promise<Claim[]>;
  /**
   * Records finished attempts: the attempt and the delivery's next state in
   * one write each. A completion whose claim is no longer the delivery's
   * current one (expired and re-claimed, recovered) is refused, not applied:
   * the answer says which were applied, in order. `options.deferrable`:
   * nothing waits for the answer but the caller's bookkeeping, so the store
   * may hold the write a few milliseconds to share a commit with other work.
   */
  complete(
    completions: readonly Completion[],
    now: number,
    options?: { deferrable?: boolean },
  ): Promise<boolean[]>;
  /**
   * At start: claims a stopped process left behind go back to pending,
   * whether or not their lease has run out (a crashed process's claims come
   * back at once, not a lease later). Returns how many.
   */
  recover(now: number): Promise<number>;
  /**
   * Claims whose lease has run out (`leaseUntil` before `now`) go back to
   * pending. Returns how many. Only this and `recover` take a lease back: a
   * late completion of a claim nobody took back is still applied.
   */
  expireLeases(now: number): Promise<number>;

  endpointStates(): Promise<Map<string, EndpointStateRecord>>;
  setEndpointState(
    name: string,
    state: EndpointAdminState,
    now: number,
    reason: string | undefined,
  ): Promise<void>;
  /** Unfinished (pending or in flight) deliveries per endpoint, configured or not. */
  unfinishedCounts(): Promise<Map<string, number>>;
  /**
   * When each endpoint's oldest unfinished delivery was created; absent for
   * none. A requeued or moved delivery counts from when it started over.
   */
  oldestUnfinished(endpoints: readonly string[]): Promise<Map<string, number>>;

  /**
   * One retention pass, in bounded batches, all of it before it resolves:
   * deliveries finished before `cutoff` with their attempts, then events left
   * with no delivery (or received before `cutoff` with none at all), and keys
   * expired at `now`. Pending and in-flight deliveries are never touched.
   */
  prune(cutoff: number, now: number): Promise<PruneResult>;

  readonly reads: StoreReads;
  readonly operator: OperatorWrites;
  /** Endpoints, routes and settings made through the admin API (the file's own are never stored). */
  readonly managed: ManagedObjects;
  /** Every change made through the admin API: who, when, what, why, and how it ended. */
  readonly audit: AuditLog;
  /**
   * Which endpoints this relay owns among the relays sharing the store. A
   * relay dispatches only what it owns: `claim` answers an ask for another
   * relay's endpoint with nothing (exhausted), and a completion from a claim
   * taken under an epoch the lease has since left is refused. SQLite: one
   * relay owns every endpoint.
   */
  readonly cluster: ClusterLeases;

  /** Why the store would refuse a write now, known without a round trip (free disk below the floor); else undefined. */
  refusal(): RelayError | undefined;
  /** Free bytes on the filesystem the store writes to, where it writes locally (SQLite); else undefined. */
  freeDisk(): number | undefined;
  /** Readiness: undefined when a write could be taken now, else why not. */
  writable(): Promise<string | undefined>;
  /** Writes what is queued, then releases everything (connections, locks). Same promise every call. */
  close(): Promise<void>;
}

export interface PruneResult {
  deliveries: number;
  events: number;
  keys: number;
  /** Threshold counts past their window, and holds of events no longer stored. */
  counts: number;
  /** Space handed back to the filesystem, in the backend's own unit (SQLite: pages). */
  pages: number;
}

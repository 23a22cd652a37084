import type { RelayError } from '../errors.ts';

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
   */
  enqueue(event: NewEvent): Promise<EnqueueResult>;
  /** Leases due deliveries for each ask, in one unit of work. */
  claim(asks: readonly ClaimAsk[], now: number): Promise<Claim[]>;
  /**
   * Records finished attempts: the attempt and the delivery's next state in
   * one write each. A completion whose claim is no longer the delivery's
   * current one (expired and re-claimed, recovered) is refused, not applied:
   * the answer says which were applied, in order.
   */
  complete(completions: readonly Completion[], now: number): Promise<boolean[]>;
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

/**
 * Endpoint ownership by renewable leases (DESIGN "Several relays on one
 * PostgreSQL"). The relay calls `renew` every `renewEvery` ms while it runs,
 * and `leave` once it has stopped dispatching. On a shared store a relay owns
 * nothing before its first `renew`: whoever claims (the dispatcher, a test)
 * renews first; on SQLite `renew` only answers.
 */
export interface ClusterLeases {
  /** How often `renew` must run (a third of the lease); undefined: never, one relay owns everything. */
  readonly renewEvery: number | undefined;
  /**
   * Marks this relay alive, renews its leases, takes its even share of
   * `endpoints` from those free or expired, and hands back what is over it.
   * Resolves with the endpoints it owns now, and how many relays are live.
   */
  renew(endpoints: readonly string[], now: number): Promise<{ owned: Set<string>; members: number }>;
  /** Hands every lease over at once, so others take them without waiting for expiry, and leaves the member list. */
  leave(now: number): Promise<void>;
  /** The relays seen within the lease, each with how many endpoints it owns. */
  members(now: number): Promise<ClusterMember[]>;
  /** Each endpoint's owner while its lease runs (empty on SQLite: no leases). */
  owners(now: number): Promise<Map<string, string>>;
  /**
   * Hints from the other relays, as they happen; never the only way work is
   * found (the renewal and the dispatcher's backstop catch what a lost one missed).
   */
  watch(listener: (signal: ClusterSignal) => void): void;
}

export type ClusterSignal =
  /** Events were stored elsewhere for these endpoints ('*': any). */
  | { kind: 'work'; endpoints: readonly string[] | '*' }
  /** A relay joined, or handed leases over: renew now to take a share. */
  | { kind: 'leases' }
  /** Another relay changed an endpoint's admin state (pause, resume, enable, disable): read them again. */
  | { kind: 'states' }
  /** The signal connection was (re-)established: anything may have been missed. */
  | { kind: 'resync' };

export interface ClusterMember {
  instance: string;
  lastSeen: number;
  endpoints: number;
}

/** What the admin API reads. */
export interface StoreReads {
  /** One page of events, newest first, each with its deliveries. */
  listEvents(filter: EventFilter): Promise<EventSummary[]>;
  event(id: string): Promise<StoredEvent | undefined>;
  /** The routes that held an event back, and why. */
  holdsOf(eventId: string): Promise<EventHold[]>;
  /** Every delivery of an event with every attempt, in delivery order. */
  deliveriesOf(eventId: string): Promise<DeliveryDetail[]>;
  delivery(id: number): Promise<DeliveryDetail | undefined>;
  /** Dead deliveries per endpoint. */
  deadCounts(): Promise<Map<string, number>>;
  /** Events received at or after `since`, oldest first, after the keyset position `after`. */
  eventsSince(since: number, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]>;
}

/**
 * An operator's changes. Requeued and moved deliveries start the retry
 * schedule over (step 0, `createdAt` now, from which `max_age` counts);
 * `attempts` keeps counting, so `x-relay-attempt` tells a receiver it has
 * seen this before. Large changes run in bounded batches inside the call.
 */
export interface OperatorWrites {
  /** Finished → pending due now ('requeued'), pending → due now ('made_due'), in flight → undefined. */
  retry(id: number, now: number): Promise<'requeued' | 'made_due' | undefined>;
  /** An endpoint's deliveries in `state` of events received since `since`, back to pending (up to `limit`). */
  replay(request: ReplayRequest, now: number): Promise<{ matched: number; requeued: number }>;
  /**
   * Pending deliveries of `from` go to `to`, due now; one whose event already
   * has a delivery to `to` is dropped. Moving a backlog onto itself changes
   * nothing (rather than dropping it all).
   */
  moveBacklog(from: string, to: string, now: number): Promise<{ moved: number; dropped: number }>;
  /** Pending deliveries of `endpoint` are marked dropped (kept, finished now). */
  dropBacklog(endpoint: string, now: number): Promise<number>;
  /**
   * A pending delivery to `endpoint` for each event that has none yet. Returns
   * how many were created. An id the store does not hold (never stored, or
   * pruned since it was listed) gets none: a delivery without its event could
   * never be sent, yet would count as backlog forever.
   */
  addDeliveries(endpoint: string, eventIds: readonly string[], now: number): Promise<number>;
}

/**
 * Managed objects are kept as their documents, in the YAML file's shape
 * (secrets included: relay needs them to sign), and validated by the config
 * schema whenever they are read into a running config.
 */
export interface ManagedObjects {
  list(): Promise<ManagedObject[]>;
  /**
   * Applies every change and appends the audit entry in one transaction: all
   * of it stands, or none of it. A change with `spec: undefined` deletes.
   * Every other relay sharing the store hears of it once it commits (`watch`).
   */
  apply(changes: readonly ManagedChange[], entry: AuditEntry): Promise<void>;
  /**
   * A digest of every stored object (kind, name, document, times): equal
   * digests, equal objects. One small read, so a backstop may compare it often.
   */
  version(): Promise<string>;
  /**
   * Hints that another relay sharing the store applied a change, as they
   * happen; 'resync' when some may have been missed (the signal connection
   * was re-established). Never the only way a change is found: `version`
   * catches what a lost hint missed. SQLite: never (one relay per file).
   */
  watch(listener: (signal: ManagedSignal) => void): void;
}

export type ManagedSignal = { kind: 'changed' } | { kind: 'resync' };

export type ManagedKind = 'endpoint' | 'route' | 'setting';

export interface ManagedObject {
  kind: ManagedKind;
  name: string;
  spec: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface ManagedChange {
  kind: ManagedKind;
  name: string;
  spec: Record<string, unknown> | undefined;
}

export interface AuditLog {
  /** Records a change that did not go through `managed.apply` (an operator action, a refused request). */
  append(entry: AuditEntry): Promise<void>;
  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(query: { since: number; before: number | undefined; limit: number }): Promise<AuditRecord[]>;
}

export interface AuditEntry {
  at: number;
  /** The name of the token that made the change (`admin` for the single `admin.token`, `loopback` without one). */
  actor: string;
  /** What was done: `endpoint.create`, `route.delete`, `endpoint.pause`, `webhooks.replace`… */
  action: string;
  /** What it was done to (an endpoint or route name, a delivery id), if anything. */
  target: string | undefined;
  /** The request's `X-Relay-Reason`. */
  reason: string | undefined;
  /** `ok`, or the error code the request was refused with. */
  outcome: string;
  /** Further facts, never a secret. */
  detail: Record<string, unknown> | undefined;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

export type EndpointAdminState = 'active' | 'paused' | 'disabled';

export interface EndpointStateRecord {
  state: EndpointAdminState;
  changedAt: number;
}

export type DeliveryState = 'pending' | 'in_flight' | 'delivered' | 'dead' | 'dropped';
export const deliveryStates: readonly DeliveryState[] = [
  'pending',
  'in_flight',
  'delivered',
  'dead',
  'dropped',
];

/** A state a replay can take deliveries back from. */
export type ReplayState = 'dead' | 'delivered';

export interface NewEvent {
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  contentType: string | undefined;
  body: Buffer;
  /** Fan-out, fixed when the event is stored. */
  endpoints: readonly string[];
  /** Routes behind a threshold: decided in the event's own transaction, from the counts the store keeps. */
  gates?: readonly ThresholdGate[];
  /**
   * The ordering key of the event per endpoint that orders its deliveries:
   * such deliveries of one key are claimed one at a time, in the order
   * their events were stored (see ClaimAsk.ordered).
   */
  orderKeys?: Readonly<Record<string, string>>;
  idempotency: { key: string; expiresAt: number } | undefined;
  /**
   * Endpoints whose deliveries this relay sends the moment the event is
   * stored, sparing a claim: a backend may store those deliveries already
   * claimed (in flight, leased until `until`) and hand them back in
   * `EnqueueResult.leased`; one that does not leaves them pending. Never
   * for an ordered endpoint or a threshold gate's.
   */
  lease?: FreshLease;
}

export interface FreshLease {
  endpoints: readonly string[];
  until: number;
}

/**
 * A route that delivers only once `key` was seen `count` times within
 * `within` ms (this event included): then to `endpoints`; with `once`, only
 * the event that makes the count reach `count`. An event without the key is
 * not counted and held. A held event is stored and says which route held it.
 */
export interface ThresholdGate {
  route: string;
  key: string | undefined;
  count: number;
  within: number;
  once: boolean;
  endpoints: readonly string[];
}

export type EnqueueResult =
  | { duplicateOf: string }
  | {
      duplicateOf: undefined;
      /** Every endpoint that got a delivery: the fan-out, and the endpoints of the gates that opened. */
      endpoints: string[];
      /** The routes whose threshold held the event back. */
      held: string[];
      /** The deliveries stored claimed, as `NewEvent.lease` asked: the caller sends them. */
      leased: ClaimedDelivery[];
    };

/** Why a route held an event back. */
export interface EventHold {
  route: string;
  /** `threshold: 2 of 3 within the window`, `threshold: no key`. */
  reason: string;
}

export interface StoredEvent {
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  contentType: string | undefined;
  body: Buffer;
}

export interface EventPosition {
  receivedAt: number;
  id: string;
}

/** How much one endpoint's lane may take now, and how long its claims are leased. */
export interface ClaimAsk {
  endpoint: string;
  /** First attempts at most; retries fill what first attempts leave, up to `retries`. */
  fresh: number;
  retries: number;
  leaseUntil: number;
  /**
   * The endpoint orders its deliveries by key: only a key's oldest
   * unfinished delivery may be claimed, so the next waits until it is
   * delivered, dead or dropped (a retrying one holds only its own key).
   */
  ordered?: boolean;
}

export interface Claim {
  endpoint: string;
  fresh: ClaimedDelivery[];
  retries: ClaimedDelivery[];
  /**
   * Fewer were due than asked for: nothing else is due now. Never true while
   * something the ask did not take is due (a retry, when `retries` was 0): a
   * lane told so sleeps until `nextDue`.
   */
  exhausted: boolean;
  /** When exhausted: when the next pending delivery is due, if any. */
  nextDue: number | undefined;
}

/** A delivery leased for an attempt, with what is needed to send it. */
export interface ClaimedDelivery {
  id: number;
  /**
   * Names this claim: a completion must carry it, and is refused once the
   * delivery's lease was taken back (expired, recovered), whether or not it
   * was claimed again. Never the same for two claims of one delivery, even
   * with the same `leaseUntil`.
   */
  claim: number;
  eventId: string;
  endpoint: string;
  /** Requests made so far. */
  attempts: number;
  /** Steps of the retry schedule used so far. */
  step: number;
  createdAt: number;
  source: string;
  type: string;
  contentType: string | undefined;
  body: Buffer;
}

export interface AttemptRecord {
  /** When the request started, its length, and how it ended. */
  startedAt: number;
  durationMs: number;
  status: number | undefined;
  error: string | undefined;
  /** The first bytes of the answer (capped by the sender). */
  response: Buffer | undefined;
}

/** What one finished attempt does to its delivery: data produced by dispatch/settle.ts. */
export type Completion = {
  deliveryId: number;
  claim: number;
  /** The attempt made, or undefined when it was cut off before counting (shutdown). */
  attempt: AttemptRecord | undefined;
} & (
  | { next: 'delivered' }
  | { next: 'retry'; at: number }
  | { next: 'dead' }
  /** Back to pending at `at` without using a step of the schedule (a pause answer, 410 Gone, shutdown). */
  | { next: 'release'; at: number; disable?: { endpoint: string; reason: string } }
);

export interface EventFilter {
  /** Received at or after this (epoch ms). */
  since: number;
  source: string | undefined;
  type: string | undefined;
  /** Only events having a delivery in this state, to this endpoint, or (both set) one delivery in that state to it. */
  state: DeliveryState | undefined;
  endpoint: string | undefined;
  /** Keyset position of the last row of the previous page (newest first). */
  before: EventPosition | undefined;
  limit: number;
}

export interface EventSummary {
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  contentType: string | undefined;
  size: number;
  deliveries: { id: number; endpoint: string; state: DeliveryState; attempts: number }[];
  /** Routes whose threshold held the event back. */
  heldBy: string[];
}

export interface DeliveryDetail {
  /** Names one delivery for good: never given to another, even after retention removed it. */
  id: number;
  eventId: string;
  endpoint: string;
  state: DeliveryState;
  attempts: number;
  step: number;
  createdAt: number;
  nextAttemptAt: number;
  finishedAt: number | undefined;
  /** Those of the last attempt recorded, whatever it led to (a release too); a cut-off completion leaves them. */
  lastStatus: number | undefined;
  lastError: string | undefined;
  attemptLog: AttemptEntry[];
}

export interface AttemptEntry {
  n: number;
  startedAt: number;
  durationMs: number;
  status: number | undefined;
  error: string | undefined;
  response: Buffer | undefined;
}

export interface ReplayRequest {
  endpoint: string;
  state: ReplayState;
  /** Events received at or after this (epoch ms). */
  since: number;
  /** At most this many requeued; `matched` still counts every candidate. */
  limit: number;
  dryRun: boolean;
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

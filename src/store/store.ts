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
   * unless its idempotency key was seen within the window. Durable before it
   * resolves. Events handed over together (in one event-loop turn) may share
   * one transaction; each still succeeds or fails on its own.
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
  /** At start: claims a stopped process left behind go back to pending. Returns how many. */
  recover(now: number): Promise<number>;
  /** Claims whose lease has run out go back to pending. Returns how many. */
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
  /** When each endpoint's oldest unfinished delivery was created; absent for none. */
  oldestUnfinished(endpoints: readonly string[]): Promise<Map<string, number>>;

  /** One retention pass, in bounded batches: finished deliveries before `cutoff`, orphan events, expired keys. */
  prune(cutoff: number, now: number): Promise<PruneResult>;

  readonly reads: StoreReads;
  readonly operator: OperatorWrites;
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
  /** Pending deliveries of `from` go to `to`, due now; one whose event already has a delivery to `to` is dropped. */
  moveBacklog(from: string, to: string, now: number): Promise<{ moved: number; dropped: number }>;
  /** Pending deliveries of `endpoint` are marked dropped (kept, finished now). */
  dropBacklog(endpoint: string, now: number): Promise<number>;
  /** A pending delivery to `endpoint` for each event that has none yet. Returns how many were created. */
  addDeliveries(endpoint: string, eventIds: readonly string[], now: number): Promise<number>;
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
  idempotency: { key: string; expiresAt: number } | undefined;
}

export type EnqueueResult = { duplicateOf: string } | { duplicateOf: undefined };

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
}

export interface Claim {
  endpoint: string;
  fresh: ClaimedDelivery[];
  retries: ClaimedDelivery[];
  /** Fewer were due than asked for: nothing else is due now. */
  exhausted: boolean;
  /** When exhausted: when the next pending delivery is due, if any. */
  nextDue: number | undefined;
}

/** A delivery leased for an attempt, with what is needed to send it. */
export interface ClaimedDelivery {
  id: number;
  /** Names this claim: a completion must carry it, and is refused once the delivery was claimed again. */
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
  /** Only events having a delivery in this state and/or to this endpoint. */
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
}

export interface DeliveryDetail {
  id: number;
  eventId: string;
  endpoint: string;
  state: DeliveryState;
  attempts: number;
  step: number;
  createdAt: number;
  nextAttemptAt: number;
  finishedAt: number | undefined;
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
  /** Space handed back to the filesystem, in the backend's own unit (SQLite: pages). */
  pages: number;
}

import { Pool } from 'undici';
import type { EmailConfig, EndpointConfig } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import type { EndpointAdminState, EndpointStateRecord } from '../store/store.ts';
import { type AddressPolicy, publicOnlyConnector } from './address-policy.ts';
import { Circuit } from './circuit.ts';
import { createMailTransport, type MailTransport } from './mail/transport.ts';
import { TokenBucket } from './ratelimit.ts';

export interface LastAttempt {
  at: number;
  durationMs: number;
  status: number | undefined;
  error: string | undefined;
}

/** What an operator may do to an endpoint's admin state. */
export type StateAction = 'pause' | 'resume' | 'enable';

/**
 * The admin state machine, in one place (a 410 Gone is the only other way
 * in, and it only ever leads to `disabled`):
 *
 *   pause:  active → paused          (paused stays paused; disabled: 409, enable it first)
 *   resume: paused → active          (active stays active; disabled: 409, that needs enable)
 *   enable: disabled | paused → active
 */
export function nextState(
  name: string,
  current: EndpointAdminState,
  action: StateAction,
): EndpointAdminState {
  if (action === 'enable') return 'active';
  if (current === 'disabled') {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `endpoint '${name}' is disabled (it answered 410 Gone): enable it instead`,
    );
  }
  return action === 'pause' ? 'paused' : 'active';
}

/** Why the state changed, as persisted and logged. */
export const operatorReasons: Record<StateAction, string> = {
  pause: 'paused by an operator',
  resume: 'resumed by an operator',
  enable: 'enabled by an operator',
};

/** Idle keep-alive sockets close before common server idle timeouts (Node's 5 s). */
const KEEP_ALIVE_MS = 4_000;

/** Where a lane's attempts go: a webhook's pool and the URL's path and query, or an e-mail endpoint's SMTP pool. */
export type Connection =
  | { kind: 'http'; pool: Pool; path: string }
  | { kind: 'mail'; transport: MailTransport; email: EmailConfig };

/**
 * One endpoint's gate: how many requests it may have in flight, whether it is
 * paused by the operator or by the endpoint (Retry-After), its rate limit and
 * its circuit. The lane holds no SQL; the dispatcher asks it how much to claim.
 *
 * Admin states: active ⇄ paused (operator), active → disabled (410 Gone) →
 * active (operator enables). A lane whose endpoint the config no longer names
 * is `removed`: its deliveries are held, not dispatched.
 */
export class Lane {
  readonly name: string;
  endpoint: EndpointConfig;
  private adminState: EndpointAdminState = 'active';
  /** When the state last changed, here or as stored: a state read from the store before that is stale. */
  private stateChangedAt = Number.NEGATIVE_INFINITY;
  removed = false;
  inFlight = 0;
  retriesInFlight = 0;
  /** Attempts and give-backs not yet recorded in the store (a delivered attempt frees its slot before). */
  unrecorded = 0;
  /** A claim is under way (its transaction not yet committed). */
  claiming = false;
  /** Something woke the lane while its claim was out. */
  wokenWhileClaiming = false;
  /** Due work may be waiting: the dispatcher should try to claim. */
  mayHaveWork = true;
  /** Epoch ms until which the endpoint asked us to wait (429/503 Retry-After). */
  pausedUntil = 0;
  /** How the latest attempt went (since this process started), for the admin API. */
  lastAttempt: LastAttempt | undefined;
  readonly circuit = new Circuit();
  private bucket: TokenBucket | undefined;
  /** What the connection was made from: when it changes, a new one is made. */
  private connectionKey: string;
  private policy: AddressPolicy;
  connection: Connection;

  constructor(endpoint: EndpointConfig, now: number, policy: AddressPolicy) {
    this.name = endpoint.name;
    this.endpoint = endpoint;
    this.policy = policy;
    this.connectionKey = this.keyOfConnection();
    this.connection = this.connect();
    this.bucket = endpoint.rate_limit ? new TokenBucket(endpoint.rate_limit.perSecond, now) : undefined;
  }

  /**
   * A reloaded endpoint applies from its next attempt. A new origin (or SMTP
   * server), concurrency or address policy gets a new pool; the old one
   * finishes what it has in flight.
   */
  update(endpoint: EndpointConfig, now: number, policy: AddressPolicy): void {
    const previous = this.endpoint;
    this.endpoint = endpoint;
    this.policy = policy;
    const key = this.keyOfConnection();
    if (key !== this.connectionKey) {
      const old = this.connection;
      this.connectionKey = key;
      this.connection = this.connect();
      void closeConnection(old).catch(() => {});
    } else if (this.connection.kind === 'http') {
      this.connection.path = httpPath(endpoint.url);
    }
    if (endpoint.rate_limit?.perSecond !== previous.rate_limit?.perSecond) {
      this.bucket = endpoint.rate_limit ? new TokenBucket(endpoint.rate_limit.perSecond, now) : undefined;
    }
  }

  get state(): EndpointAdminState {
    return this.adminState;
  }

  /** This relay changed the state (an operator's action, a 410 Gone) at `at`, and stored it. */
  setState(state: EndpointAdminState, at: number): void {
    this.adminState = state;
    this.stateChangedAt = at;
  }

  /**
   * Takes the state as stored (none stored: active), unless it was stored
   * before this lane's own last change: a read that began before that
   * change was stored, answered after it, is stale. True when it changed.
   */
  takeStored(stored: EndpointStateRecord | undefined): boolean {
    const state = stored?.state ?? 'active';
    const changedAt = stored?.changedAt ?? Number.NEGATIVE_INFINITY;
    if (state === this.adminState || changedAt < this.stateChangedAt) return false;
    this.setState(state, changedAt);
    return true;
  }

  get sendable(): boolean {
    return this.adminState === 'active' && !this.removed;
  }

  /**
   * How many first attempts and retries may be claimed now. A quarter of the
   * slots (at least one) is kept for first attempts, so a backlog of retries
   * never starves fresh events. Returns a wait in ms when the lane must wait.
   */
  capacity(now: number): { fresh: number; retries: number; waitMs: number } {
    if (this.pausedUntil > now) return { fresh: 0, retries: 0, waitMs: this.pausedUntil - now };
    const allowance = this.circuit.allowance(this.endpoint.concurrency);
    let free = allowance - this.inFlight;
    if (free <= 0) return { fresh: 0, retries: 0, waitMs: 0 };
    if (this.bucket) {
      const tokens = this.bucket.available(now);
      if (tokens === 0) return { fresh: 0, retries: 0, waitMs: this.bucket.waitMs(now) };
      free = Math.min(free, tokens);
    }
    const reserved = allowance > 1 ? Math.max(1, Math.floor(allowance / 4)) : 0;
    const retryRoom = Math.max(0, allowance - reserved - this.retriesInFlight);
    return { fresh: free, retries: Math.min(free, retryRoom), waitMs: 0 };
  }

  /** Charges the rate limit for requests about to go out. */
  spend(n: number, now: number): void {
    this.bucket?.take(n, now);
  }

  close(): Promise<void> {
    return closeConnection(this.connection);
  }

  private keyOfConnection(): string {
    const { email, url, concurrency, timeout } = this.endpoint;
    const target = email ? [email, timeout] : new URL(url).origin;
    return JSON.stringify([target, concurrency, this.policy]);
  }

  private connect(): Connection {
    const { endpoint, policy } = this;
    if (endpoint.email) {
      const transport = createMailTransport(endpoint.email, endpoint.concurrency, endpoint.timeout, policy);
      return { kind: 'mail', transport, email: endpoint.email };
    }
    const pool = new Pool(new URL(endpoint.url).origin, {
      connections: endpoint.concurrency,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      ...(policy.denyPrivate ? { connect: publicOnlyConnector(policy.allowNetworks) } : {}),
    });
    return { kind: 'http', pool, path: httpPath(endpoint.url) };
  }
}

/** The endpoint URL's path and query, which every request is sent to. */
function httpPath(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

async function closeConnection(connection: Connection): Promise<void> {
  if (connection.kind === 'http') return connection.pool.close();
  // Idle SMTP connections close now; one still sending finishes its mail first.
  connection.transport.close();
}

import type { Clock } from '../clock.ts';
import type { EndpointConfig, RelayConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { AttemptOutcome, RelayMetrics } from '../metrics.ts';
import type { Backlog } from '../store/backlog.ts';
import type { ClaimedDelivery, DeliveryStore, EndpointAdminState } from '../store/sqlite/deliveries.ts';
import type { GroupCommit } from '../store/sqlite/group-commit.ts';
import type { AddressPolicy } from './address-policy.ts';
import { longestStep, nextAttempt } from './backoff.ts';
import { classify, type Outcome } from './classify.ts';
import { AttemptDeadlines } from './deadlines.ts';
import { Lane } from './lane.ts';
import { buildRequest } from './message.ts';
import { type SendResult, send } from './send.ts';
import { WakeTimer } from './wake-timer.ts';

export interface DeadDelivery {
  deliveryId: number;
  eventId: string;
  attempts: number;
  status: number | undefined;
  error: string | undefined;
}

export interface DispatcherDeps {
  store: DeliveryStore;
  groupCommit: GroupCommit;
  backlog: Backlog;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  userAgent: string;
  /** Operational-event hooks: a 410 disabled an endpoint, a delivery died, a failing endpoint answered again. */
  onDisabled?: (endpoint: string, status: number) => void;
  onDead?: (endpoint: string, dead: DeadDelivery) => void;
  onRecovered?: (endpoint: string) => void;
}

interface ClaimRequest {
  lane: Lane;
  freshLimit: number;
  retryLimit: number;
}

interface Claimed {
  lane: Lane;
  fresh: ClaimedDelivery[];
  retries: ClaimedDelivery[];
  exhausted: boolean;
  nextDue: number | undefined;
}

/**
 * Claims and completions skip the fsync: after a power cut the worst they can
 * cost is a delivery sent again, which at-least-once allows.
 */
const BOOKKEEPING = { durable: false };

/** How often the backstop looks for work a missed wake-up left behind, and expires stale leases. */
const BACKSTOP_MS = 30_000;
/** A claim's lease outlives its attempt by this much before the sweeper may take it back. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Moves deliveries from the outbox to their endpoints. Work is found three
 * ways: every producer of pending deliveries wakes their lanes (added), one timer fires for the
 * earliest known due retry or pause, and a slow backstop catches anything a
 * missed wake-up left behind. Each lane claims only as many deliveries as it
 * has free slots, so in-flight work is bounded where it is fetched, and
 * only lanes with something to do are visited: cost grows with active
 * endpoints, not configured ones.
 */
export class Dispatcher {
  private readonly deps: DispatcherDeps;
  private readonly lanes = new Map<string, Lane>();
  private readonly dirty = new Set<Lane>();
  private readonly wakeups: WakeTimer<Lane>;
  private pumpScheduled = false;
  private readonly backstop: NodeJS.Timeout;
  private readonly deadlines = new AttemptDeadlines();
  private completions: (() => void)[] = [];
  private completionBatch: Promise<void> | undefined;
  private stopped = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(config: RelayConfig, deps: DispatcherDeps) {
    this.deps = deps;
    this.wakeups = new WakeTimer(deps.clock, (lanes) => {
      for (const lane of lanes) {
        lane.mayHaveWork = true;
        this.dirty.add(lane);
      }
      this.schedulePump();
    });
    const states = deps.store.endpointStates();
    const now = deps.clock.now();
    for (const endpoint of Object.values(config.endpoints)) {
      const lane = new Lane(endpoint, now, addressPolicy(config));
      lane.state = states.get(endpoint.name) ?? 'active';
      this.lanes.set(endpoint.name, lane);
      this.dirty.add(lane);
    }
    this.backstop = setInterval(() => this.runBackstop(), BACKSTOP_MS);
    this.backstop.unref();
    this.schedulePump();
  }

  /**
   * `n` pending deliveries of `endpoint` were committed (by ingest, an
   * operational event, a replay or a backfill; 0 when one was only made due
   * sooner): every producer comes through here, so the backlog count and the
   * lane's wake-up can never be done one without the other.
   */
  added(endpoint: string, n = 1): void {
    this.deps.backlog.add(endpoint, n);
    const lane = this.lanes.get(endpoint);
    if (!lane) return;
    lane.mayHaveWork = true;
    this.dirty.add(lane);
    this.schedulePump();
  }

  /** Look at every lane again now (after a clock jump in tests, or an operator's action). */
  wake(): void {
    for (const lane of this.lanes.values()) {
      lane.mayHaveWork = true;
      this.dirty.add(lane);
    }
    this.schedulePump();
  }

  /**
   * A new config applies from each endpoint's next attempt. Endpoints the
   * config no longer names keep their lane, marked removed: their deliveries
   * are held until the endpoint returns.
   */
  reload(config: RelayConfig): void {
    const now = this.deps.clock.now();
    const names = new Set(Object.keys(config.endpoints));
    for (const endpoint of Object.values(config.endpoints)) {
      const lane = this.lanes.get(endpoint.name);
      if (lane) {
        lane.update(endpoint, now, addressPolicy(config));
        lane.removed = false;
      } else {
        this.lanes.set(endpoint.name, new Lane(endpoint, now, addressPolicy(config)));
      }
    }
    for (const lane of this.lanes.values()) if (!names.has(lane.name)) lane.removed = true;
    this.wake();
  }

  /** Operator pause/resume/enable: persisted, and applied to the lane at once. */
  setState(name: string, state: EndpointAdminState, reason: string | undefined): Promise<void> {
    const lane = this.lanes.get(name);
    if (lane) lane.state = state;
    const now = this.deps.clock.now();
    return this.deps.groupCommit
      .run(() => this.deps.store.setEndpointState(name, state, now, reason))
      .then(() => {
        if (lane && state === 'active') {
          lane.mayHaveWork = true;
          this.dirty.add(lane);
          this.schedulePump();
        }
      });
  }

  /**
   * An endpoint's unfinished deliveries as operators see them (admin API,
   * queue gauges): counts from memory, and the age of the oldest from one
   * index probe.
   */
  queueOf(endpoint: string): { pending: number; inFlight: number; oldestAgeMs: number | undefined } {
    const inFlight = this.lanes.get(endpoint)?.inFlight ?? 0;
    const oldest = this.deps.store.oldestUnfinished(endpoint);
    return {
      pending: Math.max(0, this.deps.backlog.of(endpoint) - inFlight),
      inFlight,
      oldestAgeMs: oldest === undefined ? undefined : Math.max(0, this.deps.clock.now() - oldest),
    };
  }

  lane(name: string): Lane | undefined {
    return this.lanes.get(name);
  }

  allLanes(): IterableIterator<Lane> {
    return this.lanes.values();
  }

  /**
   * Stops claiming, lets in-flight attempts finish for up to `graceMs`, then
   * cuts off the rest: those go back to pending without using a step. Resolves
   * when every attempt has been recorded (the caller then flushes the commit).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.backstop);
    this.wakeups.stop();
    if (this.inFlight > 0) {
      const idle = new Promise<void>((resolve) => {
        this.idle = resolve;
      });
      const grace = setTimeout(() => this.deadlines.cancelAll(), graceMs);
      await idle;
      clearTimeout(grace);
    }
    await Promise.all([...this.lanes.values()].map((lane) => lane.close().catch(() => {})));
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const lanes = [...this.dirty];
    this.dirty.clear();
    const requests: ClaimRequest[] = [];
    for (const lane of lanes) {
      if (!lane.sendable || lane.claiming || !lane.mayHaveWork) continue;
      const capacity = lane.capacity(now);
      if (capacity.waitMs > 0) {
        this.wakeups.at(now + capacity.waitMs, lane);
        continue;
      }
      if (capacity.fresh === 0) continue; // full: a completion brings it back
      lane.claiming = true;
      requests.push({ lane, freshLimit: capacity.fresh, retryLimit: capacity.retries });
    }
    if (requests.length > 0) this.claim(requests, now);
  }

  /** Claims for every lane of one pump in one group-commit item. */
  private claim(requests: ClaimRequest[], now: number): void {
    const { store } = this.deps;
    this.deps.groupCommit
      .run(
        () =>
          requests.map(({ lane, freshLimit, retryLimit }) => {
            const leaseUntil = now + lane.endpoint.timeout + LEASE_MARGIN_MS;
            const fresh = store.claimFresh(lane.name, now, freshLimit, leaseUntil);
            const retryAsk = Math.min(freshLimit - fresh.length, retryLimit);
            const retries = retryAsk > 0 ? store.claimRetries(lane.name, now, retryAsk, leaseUntil) : [];
            // Fewer rows than asked for means nothing else is due now: learn when the next is.
            const exhausted = fresh.length < freshLimit && retries.length < retryAsk;
            const nextDue = exhausted ? store.nextDue(lane.name) : undefined;
            return { lane, fresh, retries, exhausted, nextDue };
          }),
        BOOKKEEPING,
      )
      .then(
        (claims) => {
          for (const claim of claims) this.start(claim);
        },
        (error: unknown) => {
          this.deps.log.warn({ err: error }, 'claim failed; retrying shortly');
          for (const { lane } of requests) {
            lane.claiming = false;
            this.wakeups.at(this.deps.clock.now() + 1_000, lane);
          }
        },
      );
  }

  private start({ lane, fresh, retries, exhausted, nextDue }: Claimed): void {
    lane.claiming = false;
    if (exhausted) {
      lane.mayHaveWork = false;
      if (nextDue !== undefined) this.wakeups.at(nextDue, lane);
    }
    const claimed = fresh.length + retries.length;
    if (claimed > 0) lane.spend(claimed, this.deps.clock.now());
    for (const delivery of fresh) this.attempt(lane, delivery, false);
    for (const delivery of retries) this.attempt(lane, delivery, true);
    // Not exhausted: the lane is full, and each completion brings it back.
  }

  private attempt(lane: Lane, delivery: ClaimedDelivery, isRetry: boolean): void {
    lane.inFlight++;
    if (isRetry) lane.retriesInFlight++;
    this.inFlight++;
    lane.circuit.onSend();
    const endpoint = lane.endpoint;
    const startedAt = this.deps.clock.now();
    const request = buildRequest(endpoint, delivery, startedAt, this.deps.userAgent);
    const deadline = this.deadlines.start(endpoint.timeout);
    send(lane.pool, {
      path: lane.path,
      headers: request.headers,
      body: request.body,
      timeoutMs: endpoint.timeout,
      signal: deadline.signal,
    })
      .then(
        (result) => {
          deadline.done();
          return this.complete(lane, endpoint, delivery, startedAt, result);
        },
        (error: unknown) => {
          deadline.done();
          throw error;
        },
      )
      .catch((error: unknown) => {
        this.deps.log.error(
          { err: error, endpoint: lane.name, delivery: delivery.id },
          'recording attempt failed',
        );
      })
      .finally(() => {
        lane.inFlight--;
        if (isRetry) lane.retriesInFlight--;
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
        this.markDirty(lane);
      });
  }

  private async complete(
    lane: Lane,
    endpoint: EndpointConfig,
    delivery: ClaimedDelivery,
    startedAt: number,
    result: SendResult,
  ): Promise<void> {
    const { store, metrics } = this.deps;
    const now = this.deps.clock.now();
    const labels = { endpoint: lane.name };
    if (result.error === 'cancelled') {
      // Cut off by shutdown: not an attempt that counts, not a step.
      await this.record(() => store.releaseWithoutStep(delivery.id, now, false));
      metrics.deliveryAttempts.inc({ ...labels, outcome: 'cancelled' });
      return;
    }
    const { status, error } = result;
    lane.lastAttempt = { at: startedAt, durationMs: Math.round(result.durationMs), status, error };
    const outcome = classify(result, endpoint.success, now, longestStep(endpoint.retry));
    const next =
      outcome.kind === 'failed'
        ? nextAttempt(endpoint.retry, delivery.step, delivery.created_at, now)
        : undefined;
    await this.record(() => {
      store.recordAttempt({
        deliveryId: delivery.id,
        n: delivery.attempts + 1,
        startedAt,
        durationMs: Math.round(result.durationMs),
        status: result.status,
        error: result.error,
        response: result.response,
      });
      switch (outcome.kind) {
        case 'delivered':
          return store.markDelivered(delivery.id, now, result.status!);
        case 'pause':
          return store.releaseWithoutStep(delivery.id, now + outcome.ms, true);
        case 'disable':
          store.setEndpointState(lane.name, 'disabled', now, `answered ${result.status}`);
          return store.releaseWithoutStep(delivery.id, now, true);
        case 'failed':
          return next!.dead
            ? store.markDead(delivery.id, now, result.status, result.error)
            : store.scheduleRetry(delivery.id, next!.at, result.status, result.error);
      }
    });
    metrics.deliveryAttempts.inc({ ...labels, outcome: attemptOutcome(outcome, result) });
    metrics.deliveryDuration.observe(labels, result.durationMs / 1000);
    this.afterOutcome(lane, delivery, outcome, next, now, result);
  }

  private afterOutcome(
    lane: Lane,
    delivery: ClaimedDelivery,
    outcome: Outcome,
    next: ReturnType<typeof nextAttempt> | undefined,
    now: number,
    result: SendResult,
  ): void {
    const { metrics, backlog, log } = this.deps;
    const labels = { endpoint: lane.name };
    switch (outcome.kind) {
      case 'delivered':
        if (lane.circuit.state !== 'closed') this.deps.onRecovered?.(lane.name);
        lane.circuit.onSuccess();
        backlog.remove(lane.name);
        metrics.deliveriesCompleted.inc({ ...labels, result: 'delivered' });
        metrics.endToEnd.observe(labels, (now - delivery.created_at) / 1000);
        return;
      case 'pause':
        lane.pausedUntil = Math.max(lane.pausedUntil, now + outcome.ms);
        lane.mayHaveWork = true;
        this.wakeups.at(lane.pausedUntil, lane);
        return;
      case 'disable':
        if (lane.state !== 'disabled') {
          lane.state = 'disabled';
          log.warn({ endpoint: lane.name }, 'endpoint answered 410 Gone: disabled until enabled again');
          this.deps.onDisabled?.(lane.name, 410);
        }
        return;
      case 'failed':
        lane.circuit.onFailure();
        if (next?.dead) {
          backlog.remove(lane.name);
          metrics.deliveriesCompleted.inc({ ...labels, result: 'dead' });
          log.warn(
            { endpoint: lane.name, delivery: delivery.id, event: delivery.event_id },
            'delivery is dead',
          );
          this.deps.onDead?.(lane.name, {
            deliveryId: delivery.id,
            eventId: delivery.event_id,
            attempts: delivery.attempts + 1,
            status: result.status,
            error: result.error,
          });
        } else if (next) {
          this.wakeups.at(next.at, lane);
        }
        return;
    }
  }

  /**
   * Queues one attempt's bookkeeping; every completion of an event-loop turn
   * is written by a single item of the group commit, so a busy dispatcher
   * pays one savepoint per turn rather than one per request.
   */
  private record(work: () => void): Promise<void> {
    this.completions.push(work);
    this.completionBatch ??= this.deps.groupCommit.run(() => {
      const batch = this.completions;
      this.completions = [];
      this.completionBatch = undefined;
      for (const write of batch) write();
    }, BOOKKEEPING);
    return this.completionBatch;
  }

  private markDirty(lane: Lane): void {
    this.dirty.add(lane);
    this.schedulePump();
  }

  private runBackstop(): void {
    const now = this.deps.clock.now();
    this.deps.groupCommit
      .run(() => this.deps.store.expireLeases(now), BOOKKEEPING)
      .then((expired) => {
        if (expired > 0) this.deps.log.warn({ expired }, 'expired leases returned to pending');
      })
      .catch(() => {});
    for (const lane of this.lanes.values()) {
      if (this.deps.backlog.of(lane.name) > lane.inFlight) {
        lane.mayHaveWork = true;
        this.dirty.add(lane);
      }
    }
    this.schedulePump();
  }
}

function addressPolicy(config: RelayConfig): AddressPolicy {
  return { denyPrivate: config.delivery.deny_private, allowNetworks: config.delivery.allow_networks };
}

function attemptOutcome(outcome: Outcome, result: SendResult): AttemptOutcome {
  switch (outcome.kind) {
    case 'delivered':
      return 'success';
    case 'pause':
      return 'rate_limited';
    case 'disable':
      return 'gone';
    case 'failed':
      if (result.status !== undefined) return 'http_error';
      return result.error === 'timeout' ? 'timeout' : 'connection_error';
  }
}

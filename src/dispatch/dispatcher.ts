import type { Clock } from '../clock.ts';
import type { RelayConfig } from '../config/schema.ts';
import type { BackgroundFailures, Logger } from '../log.ts';
import type { LaneSnapshot, RelayMetrics } from '../metrics.ts';
import type { Backlog } from '../store/backlog.ts';
import type { Claim, ClaimAsk, EndpointAdminState, Store } from '../store/store.ts';
import { Attempts } from './attempts.ts';
import { Completer, type OutcomeHooks } from './completer.ts';
import { FreshHandoff } from './handoff.ts';
import type { Lane, StateAction } from './lane.ts';
import { nextState, operatorReasons } from './lane.ts';
import { LaneSet } from './lanes.ts';
import { publishState } from './observe.ts';
import { Sweeper } from './sweeper.ts';
import { WakeTimer } from './wake-timer.ts';

export interface DispatcherDeps extends OutcomeHooks {
  store: Store;
  backlog: Backlog;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  failures: BackgroundFailures;
  userAgent: string;
}

/** How often the backstop looks for work a missed wake-up left behind, and expires stale leases. */
const BACKSTOP_MS = 30_000;
/** A claim's lease outlives its attempt by this much before the sweeper may take it back. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Moves deliveries from the outbox to their endpoints. Work is found three
 * ways: every producer of pending deliveries wakes their lanes (added), one
 * timer fires for the earliest known due retry or pause, and a slow backstop
 * catches anything a missed wake-up left behind. Each lane claims only as
 * many deliveries as it has free slots, so in-flight work is bounded where it
 * is fetched, and only lanes with something to do are visited: cost grows
 * with active endpoints, not configured ones. A fresh delivery to a lane
 * with a free slot and nothing waiting needs none of this: it is stored
 * claimed and sent at commit (handoff.ts).
 */
export class Dispatcher {
  private readonly deps: DispatcherDeps;
  private readonly lanes: LaneSet;
  private readonly dirty = new Set<Lane>();
  private readonly wakeups: WakeTimer<Lane>;
  private readonly sweeper: Sweeper;
  private pumpScheduled = false;
  /** Claims sent to the store and not yet answered. */
  private readonly claimsOut = new Set<Promise<void>>();
  private readonly attempts: Attempts;
  /** What ingest calls around storing an event: fresh deliveries go out at commit, unclaimed. */
  readonly handoff: FreshHandoff;
  private stopped = false;
  /** The endpoints this relay may claim for (several relays on one store), or undefined for all. */
  private owned: ReadonlySet<string> | undefined;

  /** `states`: the persisted admin state of each endpoint that ever left `active`. */
  constructor(
    config: RelayConfig,
    states: Awaited<ReturnType<Store['endpointStates']>>,
    deps: DispatcherDeps,
  ) {
    this.deps = deps;
    this.wakeups = new WakeTimer(deps.clock, (lanes) => {
      for (const lane of lanes) this.markDirty(lane);
    });
    this.lanes = new LaneSet(config, states, deps.clock.now());
    this.attempts = new Attempts({
      ...deps,
      completer: new Completer({ ...deps, wakeAt: (at, lane) => this.wakeups.at(at, lane) }),
      // A slot came free. Of an ordered endpoint, the key's next delivery may have become its head.
      finished: (lane) => (lane.endpoint.ordering ? this.markDirty(lane) : this.poke(lane)),
      settled: (lane) => {
        if (this.owned?.has(lane.name) === false) this.handedOver(lane.name);
      },
    });
    this.handoff = new FreshHandoff({
      ...deps,
      lanes: this.lanes,
      attempts: this.attempts,
      leaseMarginMs: LEASE_MARGIN_MS,
      maySend: (lane, now) => this.maySend(lane, now),
      added: (endpoint) => this.added(endpoint),
      freed: (lane) => this.poke(lane),
    });
    this.sweeper = new Sweeper({
      store: deps.store,
      clock: deps.clock,
      log: deps.log,
      failures: deps.failures,
      everyMs: BACKSTOP_MS,
      rescan: () => {
        for (const lane of this.lanes.all()) {
          if (deps.backlog.of(lane.name) > lane.inFlight) this.markDirty(lane);
        }
      },
    });
    this.wake();
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
    if (lane) this.markDirty(lane);
  }

  /**
   * The endpoints whose leases this relay holds (several relays on one
   * store): only their lanes claim. Another relay's endpoint is still counted
   * when this relay ingests for it, but its claim would come back empty, so
   * it is not asked for. Lanes gained are woken by the caller.
   */
  own(endpoints: ReadonlySet<string>): void {
    this.owned = endpoints;
  }

  /** Look at every lane again now (after a clock jump in tests, or an operator's action). */
  wake(): void {
    for (const lane of this.lanes.all()) this.markDirty(lane);
  }

  /** A new config applies from each endpoint's next attempt; removed endpoints' deliveries are held. */
  reload(config: RelayConfig): void {
    this.lanes.reload(config, this.deps.clock.now());
    this.wake();
  }

  /** An operator's pause, resume or enable: persisted, then applied to the lane. Returns both states. */
  async changeState(
    name: string,
    action: StateAction,
  ): Promise<{ from: EndpointAdminState; to: EndpointAdminState }> {
    const lane = this.lanes.get(name);
    const from = lane?.state ?? 'active';
    const to = nextState(name, from, action);
    if (to === from) return { from, to };
    const now = this.deps.clock.now();
    await this.deps.store.setEndpointState(name, to, now, operatorReasons[action]);
    if (lane) {
      lane.setState(to, now);
      if (to === 'active') this.markDirty(lane);
    }
    publishState({ endpoint: name, from, to, reason: operatorReasons[action] });
    return { from, to };
  }

  /** States another relay stored (several relays share the store): each lane takes its own. */
  applyStates(states: Awaited<ReturnType<Store['endpointStates']>>): void {
    for (const lane of this.lanes.all()) {
      if (lane.takeStored(states.get(lane.name)) && lane.state === 'active') this.markDirty(lane);
    }
  }

  /** An endpoint's unfinished deliveries, from memory: what the queue gauges and the admin API show. */
  queueCounts(endpoint: string): { pending: number; inFlight: number } {
    const inFlight = this.lanes.get(endpoint)?.inFlight ?? 0;
    return { pending: Math.max(0, this.deps.backlog.of(endpoint) - inFlight), inFlight };
  }

  /**
   * What the queue gauges show: every lane, and every endpoint with
   * unfinished deliveries but no lane (one a restart's config no longer
   * names), held, so its backlog still shows.
   */
  laneSnapshots(): LaneSnapshot[] {
    const snapshots: LaneSnapshot[] = [];
    for (const lane of this.lanes.all()) {
      snapshots.push({
        endpoint: lane.name,
        ...this.queueCounts(lane.name),
        state: lane.state,
        circuitOpen: lane.circuit.state !== 'closed',
        held: lane.removed,
      });
    }
    for (const endpoint of this.deps.backlog.endpoints()) {
      if (this.lanes.get(endpoint)) continue;
      snapshots.push({
        endpoint,
        ...this.queueCounts(endpoint),
        state: 'active',
        circuitOpen: false,
        held: true,
      });
    }
    return snapshots;
  }

  lane(name: string): Lane | undefined {
    return this.lanes.get(name);
  }

  allLanes(): IterableIterator<Lane> {
    return this.lanes.all();
  }

  /**
   * Claims and hands off nothing more from now on; attempts in flight go on
   * (stop waits for them). Called as a graceful stop begins, before ingest
   * closes: a slot freed while ingest lets go of its clients must not start
   * another attempt, which would be cut off or sent twice.
   */
  halt(): void {
    this.stopped = true;
    this.sweeper.stop();
    this.wakeups.stop();
  }

  /**
   * Stops claiming, lets in-flight attempts finish for up to `graceMs`, then
   * cuts off the rest: those go back to pending without using a step. Resolves
   * when every attempt has been recorded.
   */
  async stop(graceMs: number): Promise<void> {
    this.halt();
    // A claim still out gives back what it brings (start): wait for it, then for the attempts.
    await Promise.all(this.claimsOut);
    await this.attempts.drain(graceMs);
    await this.lanes.close();
  }

  /** The lease went to another relay, which takes it once this relay's attempts are recorded: they are. */
  private handedOver(endpoint: string): void {
    this.deps.store.cluster.handedOver().catch((error: unknown) => {
      // A hint only: the other relay's next renewal takes the lease anyway.
      this.deps.log.warn({ err: error, endpoint }, 'telling the other relays of a hand-over failed');
    });
  }

  /**
   * Whether this relay may send for the lane now: it runs, the endpoint is
   * active and configured, this relay owns it (several relays on one store),
   * and, given `now`, it is not paused by a Retry-After. Asked before a claim,
   * and again when a claim or a fresh handoff has deliveries in hand.
   */
  private maySend(lane: Lane, now?: number): boolean {
    if (this.stopped || !lane.sendable || this.owned?.has(lane.name) === false) return false;
    return now === undefined || lane.pausedUntil <= now;
  }

  private markDirty(lane: Lane): void {
    lane.mayHaveWork = true;
    // Woken while its claim is out: remembered now, not at the next pump, which a claim
    // answered sooner would follow, its "exhausted" then hiding this work until the backstop.
    if (lane.claiming) lane.wokenWhileClaiming = true;
    this.poke(lane);
  }

  /** Look at the lane in the next pump, without saying it has work (a slot came free). */
  private poke(lane: Lane): void {
    this.dirty.add(lane);
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
    const asks: ClaimAsk[] = [];
    const asking: Lane[] = [];
    for (const lane of [...this.dirty]) {
      // Its claim is out: it stays dirty, and the claim's answer pumps again (start).
      if (lane.claiming) continue;
      this.dirty.delete(lane);
      if (!lane.mayHaveWork || !this.maySend(lane)) continue;
      const capacity = lane.capacity(now);
      if (capacity.waitMs > 0) {
        this.wakeups.at(now + capacity.waitMs, lane);
        continue;
      }
      if (capacity.fresh === 0) continue; // full: a completion brings it back
      lane.claiming = true;
      asking.push(lane);
      asks.push({
        endpoint: lane.name,
        fresh: capacity.fresh,
        retries: capacity.retries,
        leaseUntil: now + lane.endpoint.timeout + LEASE_MARGIN_MS,
        ordered: lane.endpoint.ordering !== undefined,
      });
    }
    if (asks.length === 0) return;
    const claim = this.deps.store.claim(asks, now).then(
      (claims) => {
        claims.forEach((claim, i) => {
          this.start(asking[i]!, claim);
        });
      },
      (error: unknown) => {
        this.deps.log.warn({ err: error }, 'claim failed; retrying shortly');
        for (const lane of asking) {
          lane.claiming = false;
          this.wakeups.at(this.deps.clock.now() + 1_000, lane);
        }
      },
    );
    this.claimsOut.add(claim);
    void claim.finally(() => this.claimsOut.delete(claim));
  }

  private start(lane: Lane, { fresh, retries, exhausted, nextDue }: Claim): void {
    lane.claiming = false;
    const woken = lane.wokenWhileClaiming;
    lane.wokenWhileClaiming = false;
    if (exhausted) {
      lane.mayHaveWork = false;
      if (nextDue !== undefined) this.wakeups.at(nextDue, lane);
    }
    const now = this.deps.clock.now();
    // The lane stopped sending while its claim was out: a 410 Gone or a Retry-After recorded
    // meanwhile, an operator's pause, a reload that removed the endpoint, its lease lost, shutdown. The claim may have
    // run after that was stored (a 410 releases its delivery, due at once): what it brought
    // is given back unsent rather than sent to an endpoint that must not get it now.
    if (!this.maySend(lane, now)) {
      this.attempts.giveBack(lane, [...fresh, ...retries]);
    } else {
      const claimed = fresh.length + retries.length;
      if (claimed > 0) lane.spend(claimed, now);
      for (const delivery of fresh) this.attempts.run(lane, delivery, false);
      for (const delivery of retries) this.attempts.run(lane, delivery, true);
    }
    // Exhausted, but woken while claiming (new work, its lease just taken over): the answer
    // may predate that wake, so it has work again. Only then: re-claiming an exhausted lane
    // for every wake costs a claim of a row or two per completion (measured: a third more
    // CPU per delivery). Otherwise, a slot freed while the claim was out left the lane dirty
    // (pump): look at it now; a full lane costs the pump nothing.
    if (exhausted && woken) this.markDirty(lane);
    else if (this.dirty.has(lane)) this.poke(lane);
  }
}

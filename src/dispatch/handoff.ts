import type { Clock } from '../clock.ts';
import type { Backlog } from '../store/backlog.ts';
import type { ClaimedDelivery, FreshLease } from '../store/store.ts';
import type { Attempts } from './attempts.ts';
import type { Lane } from './lane.ts';
import type { LaneSet } from './lanes.ts';

export interface HandoffDeps {
  lanes: LaneSet;
  attempts: Attempts;
  backlog: Backlog;
  clock: Clock;
  /** How long a delivery stored claimed is leased, beyond its endpoint's timeout. */
  leaseMarginMs: number;
  /** The dispatcher may send for this lane now (Dispatcher.maySend): the same rule as for a claim's answer. */
  maySend(lane: Lane, now: number): boolean;
  /** A pending delivery of the endpoint was stored (Dispatcher.added). */
  added(endpoint: string): void;
  /** A slot of the lane came free. */
  freed(lane: Lane): void;
}

/**
 * Fresh deliveries handed to their lane at commit. Before an event is
 * stored, each endpoint whose lane could send at once takes a slot for it;
 * its delivery is stored claimed (`NewEvent.lease`) and sent the moment the
 * event commits, with no claim query and no lease write. After a crash it is
 * in flight in the store like any claim, and recovery returns it to pending.
 * A lane with anything waiting in the store takes no slot, so a backlog
 * drains oldest first through claims.
 */
export class FreshHandoff {
  private readonly deps: HandoffDeps;

  constructor(deps: HandoffDeps) {
    this.deps = deps;
  }

  /**
   * The endpoints of `endpoints` that took a slot (a free one, nothing older
   * waiting in the store, not ordered), or undefined for none. The answer
   * must reach `stored`, whether or not the event was stored.
   */
  reserve(endpoints: readonly string[]): FreshLease | undefined {
    const now = this.deps.clock.now();
    const taken: string[] = [];
    let until = 0;
    for (const name of endpoints) {
      const lane = this.deps.lanes.get(name);
      if (!lane || taken.includes(name) || !this.sendsAtOnce(lane, now)) continue;
      lane.inFlight++;
      lane.spend(1, now);
      taken.push(name);
      until = Math.max(until, now + lane.endpoint.timeout + this.deps.leaseMarginMs);
    }
    return taken.length > 0 ? { endpoints: taken, until } : undefined;
  }

  /**
   * The event `reserve` was asked for was stored with a delivery to each of
   * `endpoints` (none: it was not stored, or was a duplicate). Those stored
   * claimed go out now, the others are `added`, and slots left unused are
   * given back.
   */
  stored(lease: FreshLease | undefined, endpoints: readonly string[], leased: readonly ClaimedDelivery[]) {
    const now = this.deps.clock.now();
    for (const name of lease?.endpoints ?? []) {
      const lane = this.deps.lanes.get(name)!;
      const delivery = leased.find((d) => d.endpoint === name);
      if (delivery && this.deps.maySend(lane, now)) {
        this.deps.backlog.add(name, 1);
        this.deps.attempts.run(lane, delivery, false, true);
        continue;
      }
      lane.inFlight--;
      // Stored claimed, but no longer to be sent from here (paused, disabled or stopping meanwhile).
      if (delivery) this.deps.attempts.giveBack(lane, [delivery]);
      if (delivery || endpoints.includes(name)) this.deps.added(name);
      else this.deps.freed(lane);
    }
    for (const name of endpoints) {
      if (!lease?.endpoints.includes(name)) this.deps.added(name);
    }
  }

  private sendsAtOnce(lane: Lane, now: number): boolean {
    if (lane.mayHaveWork || lane.claiming || lane.endpoint.ordering !== undefined) return false;
    if (!this.deps.maySend(lane, now)) return false;
    const capacity = lane.capacity(now);
    return capacity.waitMs === 0 && capacity.fresh > 0;
  }
}

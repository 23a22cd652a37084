import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { Backlog } from '../store/backlog.ts';
import type { ClaimedDelivery, Completion, Store } from '../store/store.ts';
import type { Lane } from './lane.ts';
import { publishAttempt, publishSettled, publishState } from './observe.ts';
import type { SendResult } from './send.ts';
import { attemptOutcome, type Settlement, settle } from './settle.ts';

export interface DeadDelivery {
  deliveryId: number;
  eventId: string;
  attempts: number;
  status: number | undefined;
  error: string | undefined;
}

/** Operational-event hooks: a 410 disabled an endpoint, a delivery died, a failing endpoint answered again. */
export interface OutcomeHooks {
  onDisabled?: (endpoint: string, status: number) => void;
  onDead?: (endpoint: string, dead: DeadDelivery) => void;
  onRecovered?: (endpoint: string) => void;
}

export interface CompleterDeps extends OutcomeHooks {
  store: Store;
  backlog: Backlog;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  /** Look at the lane again at `at` (a retry falls due, a pause ends). */
  wakeAt(at: number, lane: Lane): void;
}

/**
 * What happens once an attempt has its answer: settle it, write the
 * completion (batched per event-loop turn), then apply its effects on the
 * lane, the backlog count, the metrics and the operational events, but only
 * once the store took it.
 */
export class Completer {
  private readonly deps: CompleterDeps;
  private completions: Completion[] = [];
  /** The endpoint of each queued completion. */
  private endpoints: string[] = [];
  /** Every queued completion's slot is free already: nothing waits for the batch's answer. */
  private deferrable = true;
  private completionBatch: Promise<boolean[]> | undefined;

  constructor(deps: CompleterDeps) {
    this.deps = deps;
  }

  /**
   * `freeSlot`: called as soon as a delivered attempt's completion is queued
   * (its request is over, its outcome decided), so the claim the free slot
   * brings is queued behind it and shares its transaction, rather than
   * waiting for its commit and paying one of its own. Of an ordered endpoint
   * only after the commit: the key's next delivery is its head only then.
   */
  async complete(
    lane: Lane,
    delivery: ClaimedDelivery,
    startedAt: number,
    result: SendResult,
    freeSlot: () => void = () => {},
  ) {
    const now = this.deps.clock.now();
    publishAttempt({
      endpoint: lane.name,
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      attempt: delivery.attempts + 1,
      status: result.status,
      error: result.error,
      durationMs: result.durationMs,
    });
    const { settlement, completion } = settle(delivery, result, startedAt, lane.endpoint, now);
    if (settlement.kind !== 'cancelled') {
      lane.lastAttempt = {
        at: startedAt,
        durationMs: Math.round(result.durationMs),
        status: result.status,
        error: result.error,
      };
    }
    const slotFreeAtOnce = settlement.kind === 'delivered' && !lane.endpoint.ordering;
    const recorded = this.record(lane.name, completion, slotFreeAtOnce);
    if (slotFreeAtOnce) freeSlot();
    const applied = await recorded;
    const labels = { endpoint: lane.name };
    this.deps.metrics.deliveryAttempts.inc({ ...labels, outcome: attemptOutcome(settlement, result) });
    if (settlement.kind !== 'cancelled')
      this.deps.metrics.deliveryDuration.observe(labels, result.durationMs / 1000);
    publishSettled({
      endpoint: lane.name,
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      settlement,
      applied,
    });
    if (applied) this.afterOutcome(lane, delivery, settlement, now, result);
    else
      this.deps.log.warn(
        { endpoint: lane.name, delivery: delivery.id },
        'attempt not recorded: its lease had expired and the delivery was claimed again',
      );
  }

  /**
   * Claimed deliveries that will not be sent: back to pending now, with no
   * attempt and no step used (as an attempt cut off by shutdown). One the
   * store refuses was claimed again already, so there is nothing to undo.
   */
  async giveBack(endpoint: string, deliveries: readonly ClaimedDelivery[]): Promise<void> {
    const at = this.deps.clock.now();
    await Promise.all(
      deliveries.map((delivery) =>
        this.record(endpoint, {
          deliveryId: delivery.id,
          claim: delivery.claim,
          attempt: undefined,
          next: 'release',
          at,
        }),
      ),
    );
  }

  /** Effects of a recorded outcome on the lane, the backlog count, metrics and operational events. */
  private afterOutcome(
    lane: Lane,
    delivery: ClaimedDelivery,
    settlement: Settlement,
    now: number,
    result: SendResult,
  ) {
    const { metrics, backlog, log } = this.deps;
    const labels = { endpoint: lane.name };
    switch (settlement.kind) {
      case 'delivered':
        if (lane.circuit.state !== 'closed') this.deps.onRecovered?.(lane.name);
        lane.circuit.onSuccess();
        backlog.remove(lane.name);
        metrics.deliveriesCompleted.inc({ ...labels, result: 'delivered' });
        metrics.endToEnd.observe(labels, (now - delivery.createdAt) / 1000);
        return;
      case 'paused':
        lane.pausedUntil = Math.max(lane.pausedUntil, settlement.until);
        lane.mayHaveWork = true;
        this.deps.wakeAt(lane.pausedUntil, lane);
        return;
      case 'gone':
        if (lane.state !== 'disabled') {
          publishState({
            endpoint: lane.name,
            from: lane.state,
            to: 'disabled',
            reason: 'answered 410 Gone',
          });
          lane.setState('disabled', now);
          log.warn({ endpoint: lane.name }, 'endpoint answered 410 Gone: disabled until enabled again');
          this.deps.onDisabled?.(lane.name, 410);
        }
        return;
      case 'retry':
        lane.circuit.onFailure();
        this.deps.wakeAt(settlement.at, lane);
        return;
      case 'dead':
        lane.circuit.onFailure();
        backlog.remove(lane.name);
        metrics.deliveriesCompleted.inc({ ...labels, result: 'dead' });
        log.warn({ endpoint: lane.name, delivery: delivery.id, event: delivery.eventId }, 'delivery is dead');
        this.deps.onDead?.(lane.name, {
          deliveryId: delivery.id,
          eventId: delivery.eventId,
          attempts: delivery.attempts + 1,
          status: result.status,
          error: result.error,
        });
        return;
      case 'cancelled':
        return;
    }
  }

  /**
   * Queues one attempt's completion; every completion of an event-loop turn
   * goes to the store in one call, so a busy dispatcher pays one unit of work
   * per turn rather than one per request. A batch whose slots are all free
   * already (`deferrable`) may wait in the store to share the next commit.
   */
  private record(endpoint: string, completion: Completion, deferrable = false): Promise<boolean> {
    const index = this.completions.push(completion) - 1;
    this.endpoints.push(endpoint);
    this.deferrable &&= deferrable;
    this.completionBatch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const batch = this.completions;
      const endpoints = this.endpoints;
      const options = { deferrable: this.deferrable };
      this.completions = [];
      this.endpoints = [];
      this.deferrable = true;
      this.completionBatch = undefined;
      return this.deps.backlog.writing(endpoints, () =>
        this.deps.store.complete(batch, this.deps.clock.now(), options),
      );
    });
    return this.completionBatch.then((applied) => applied[index]!);
  }
}

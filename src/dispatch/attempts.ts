import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { ClaimedDelivery } from '../store/store.ts';
import { sendAttempt } from './attempt.ts';
import type { Completer } from './completer.ts';
import { AttemptDeadlines } from './deadlines.ts';
import type { Lane } from './lane.ts';

export interface AttemptsDeps {
  completer: Completer;
  clock: Clock;
  log: Logger;
  userAgent: string;
  /** An attempt ended and was recorded (or failed to be): its slot is free again. */
  finished(lane: Lane): void;
  /** The lane's last attempt or give-back still out is now recorded in the store. */
  settled(lane: Lane): void;
}

/**
 * Every attempt in flight: each is sent, settled and recorded, holding its
 * lane's slot until then; `drain` waits for them all at shutdown, cutting off
 * what runs past the grace period.
 */
export class Attempts {
  private readonly deps: AttemptsDeps;
  private readonly deadlines = new AttemptDeadlines();
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(deps: AttemptsDeps) {
    this.deps = deps;
  }

  /** `slotTaken`: the lane already counts it in flight (FreshHandoff.reserve). */
  run(lane: Lane, delivery: ClaimedDelivery, isRetry: boolean, slotTaken = false): void {
    if (!slotTaken) lane.inFlight++;
    if (isRetry) lane.retriesInFlight++;
    lane.circuit.onSend();
    const startedAt = this.deps.clock.now();
    const deadline = this.deadlines.start(lane.endpoint.timeout);
    let slotHeld = true;
    const freeSlot = () => {
      if (!slotHeld) return;
      slotHeld = false;
      lane.inFlight--;
      if (isRetry) lane.retriesInFlight--;
      this.deps.finished(lane);
    };
    const attempt = sendAttempt(lane, delivery, startedAt, this.deps.userAgent, deadline.signal)
      .finally(() => deadline.done())
      .then((result) => this.deps.completer.complete(lane, delivery, startedAt, result, freeSlot))
      .catch((error: unknown) => {
        this.deps.log.error(
          { err: error, endpoint: lane.name, delivery: delivery.id },
          'recording attempt failed',
        );
      })
      .finally(freeSlot);
    this.holdUntil(lane, attempt);
  }

  /**
   * Claimed deliveries that will not be sent: back to pending, counted in
   * flight until recorded, so `drain` waits for them.
   */
  giveBack(lane: Lane, deliveries: readonly ClaimedDelivery[]): void {
    if (deliveries.length === 0) return;
    this.holdUntil(
      lane,
      this.deps.completer.giveBack(lane.name, deliveries).catch((error: unknown) => {
        // Still in flight in the store: its lease runs out and the sweeper gives it back.
        this.deps.log.warn({ err: error, endpoint: lane.name }, 'giving back unsent deliveries failed');
      }),
    );
  }

  /** Counts `work` in flight until it settles: `drain` waits for it. */
  private holdUntil(lane: Lane, work: Promise<void>): void {
    this.inFlight++;
    lane.unrecorded++;
    void work.finally(() => {
      this.inFlight--;
      if (--lane.unrecorded === 0) this.deps.settled(lane);
      if (this.inFlight === 0) this.idle?.();
    });
  }

  /**
   * Lets attempts in flight finish for up to `graceMs`, then cuts off the
   * rest: those go back to pending without using a step. Resolves when every
   * attempt has been recorded.
   */
  async drain(graceMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    const idle = new Promise<void>((resolve) => {
      this.idle = resolve;
    });
    const grace = setTimeout(() => this.deadlines.cancelAll(), graceMs);
    await idle;
    clearTimeout(grace);
  }
}

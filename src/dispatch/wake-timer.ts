import type { Clock } from '../clock.ts';
import { MAX_TIMER_MS } from './backoff.ts';
import { WakeQueue } from './wake-queue.ts';

/**
 * One timer for every future wake-up the dispatcher knows of (a retry's due
 * time, the end of a pause or of a rate-limit wait): armed for the earliest,
 * re-armed as they come due, never longer than setTimeout allows.
 */
export class WakeTimer<T> {
  private readonly queue = new WakeQueue<T>();
  /** Each item's earliest pending wake-up: a later request for it adds nothing. */
  private readonly earliest = new Map<T, number>();
  private readonly clock: Clock;
  private readonly onDue: (items: T[]) => void;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(clock: Clock, onDue: (items: T[]) => void) {
    this.clock = clock;
    this.onDue = onDue;
  }

  /** Wake `item` at `time` (epoch ms), unless it is already to be woken sooner. */
  at(time: number, item: T): void {
    const known = this.earliest.get(item);
    if (known !== undefined && known <= time && known > this.clock.now()) return;
    this.earliest.set(item, time);
    this.queue.push(time, item);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    const next = this.queue.peek();
    if (next === undefined || next >= this.timerAt || this.stopped) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    const delay = Math.min(Math.max(0, next - this.clock.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    const due = new Set(this.queue.popDue(now));
    for (const item of due) {
      if ((this.earliest.get(item) ?? Number.POSITIVE_INFINITY) <= now) this.earliest.delete(item);
    }
    this.arm();
    if (due.size > 0) this.onDue([...due]);
  }
}

/** Why an attempt was aborted: it ran past its timeout, or relay is shutting down. */
export type AbortReason = 'timeout' | 'cancelled';

/** How often deadlines are checked; an attempt may overrun its timeout by up to this much. */
const TICK_MS = 25;

interface Tracked {
  deadline: number;
  controller: AbortController;
}

/**
 * The whole-attempt timeouts of every request in flight, enforced by one
 * interval that runs only while something is in flight, rather than a timer
 * per request (a cost that shows at thousands of deliveries a second).
 */
export class AttemptDeadlines {
  private readonly tracked = new Set<Tracked>();
  private timer: NodeJS.Timeout | undefined;

  /** A signal that aborts with reason `timeout` after `timeoutMs`; call `done` when the attempt ends. */
  start(timeoutMs: number): { signal: AbortSignal; done: () => void } {
    const entry: Tracked = { deadline: performance.now() + timeoutMs, controller: new AbortController() };
    this.tracked.add(entry);
    this.timer ??= setInterval(() => this.sweep(), TICK_MS);
    return {
      signal: entry.controller.signal,
      done: () => {
        this.tracked.delete(entry);
        if (this.tracked.size === 0) this.stopTimer();
      },
    };
  }

  /** Aborts every attempt in flight with reason `cancelled` (shutdown's grace has run out). */
  cancelAll(): void {
    for (const entry of this.tracked) entry.controller.abort('cancelled' satisfies AbortReason);
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.tracked) {
      if (entry.deadline <= now) entry.controller.abort('timeout' satisfies AbortReason);
    }
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

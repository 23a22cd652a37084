import type { Clock } from '../../src/clock.ts';

/** A wall clock that only moves when the test says so (monotonic time stays real). */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return performance.now();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

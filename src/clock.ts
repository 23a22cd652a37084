/**
 * The one source of time. Wall time (epoch ms, UTC) is stored and compared in
 * SQL; monotonic time measures durations and timeouts. Tests pass their own.
 */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds, for durations only. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

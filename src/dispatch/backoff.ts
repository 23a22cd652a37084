import type { RetryConfig } from '../config/schema.ts';

/** setTimeout cannot wait longer than this (2³¹−1 ms); longer waits re-arm. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type NextAttempt = { dead: true } | { dead: false; at: number };

/**
 * When to try again after a failure that used up a step. `step` is how many
 * steps were used before this failure (0 after the first attempt). Each delay
 * is the schedule's entry ± `jitter` (a fraction, so 0.2 means 80–120 %). A
 * delivery is dead once the schedule is exhausted or `max_age` has passed
 * since it was created; no attempt is ever scheduled past `max_age`.
 */
export function nextAttempt(
  retry: RetryConfig,
  step: number,
  createdAt: number,
  now: number,
  random: () => number = Math.random,
): NextAttempt {
  const delay = retry.schedule[step];
  const deadline = createdAt + retry.max_age;
  if (delay === undefined || now >= deadline) return { dead: true };
  const jittered = delay * (1 + retry.jitter * (2 * random() - 1));
  return { dead: false, at: Math.min(now + Math.round(jittered), deadline) };
}

/** The longest step of a schedule: the cap on any server-requested pause. */
export function longestStep(retry: RetryConfig): number {
  return retry.schedule.reduce((max, delay) => Math.max(max, delay), 0);
}

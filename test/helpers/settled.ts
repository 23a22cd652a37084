import { type Channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach } from 'vitest';
import {
  type AttemptMessage,
  attemptChannel,
  type SettledMessage,
  settledChannel,
} from '../../src/dispatch/observe.ts';

/**
 * Awaiting what an in-process relay's dispatcher publishes on
 * node:diagnostics_channel (src/dispatch/observe.ts), instead of polling the
 * store or sleeping. A watch subscribes when it is made and keeps every
 * message from then on, so make it before the action that causes the
 * message: an event that fires before the test starts awaiting is still
 * there to be found.
 */

/** A predicate, or a partial message matched field by field (nested objects too). */
export type Match<T> = ((message: T) => boolean) | Pattern<T>;
type Pattern<T> = { [K in keyof T]?: T[K] extends object ? Pattern<T[K]> : T[K] };

export interface WaitOptions {
  /** Reject after this long; default 10 s, well inside vitest's 30 s, so the message says what was missing. */
  timeoutMs?: number;
}

export interface Watch<T> {
  /** Every message since the watch was made, in order. */
  readonly seen: readonly T[];
  /**
   * The earliest matching message not yet taken by another `next`: one seen
   * already, or the next to come. Each message is taken at most once.
   */
  next(match?: Match<T>, options?: WaitOptions): Promise<T>;
  /** Resolves with the first `count` matching messages once that many were seen (taken or not). */
  until(count: number, match?: Match<T>, options?: WaitOptions): Promise<T[]>;
  /** Unsubscribes and rejects whatever is still awaited. Also done after each test. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const open = new Set<Watch<unknown>>();

afterEach(() => {
  for (const watch of [...open]) watch.close();
});

/** Outcomes written to the store (`relay:delivery:settled`): delivered, retry, dead, paused, gone, cancelled. */
export function watchSettled(): Watch<SettledMessage> {
  return watchChannel(
    settledChannel,
    (m) =>
      `${m.endpoint} delivery ${m.deliveryId} ${m.settlement.kind}${m.applied ? '' : ' (refused by the store)'}`,
  );
}

/** Attempts answered (`relay:delivery:attempt`), before their outcome is written. */
export function watchAttempts(): Watch<AttemptMessage> {
  return watchChannel(
    attemptChannel,
    (m) => `${m.endpoint} delivery ${m.deliveryId} attempt ${m.attempt}: ${m.status ?? m.error}`,
  );
}

/** Runs `action` with a watch already listening, then resolves with the first settled message matching `match`. */
export async function settledAfter(
  action: () => unknown,
  match: Match<SettledMessage>,
  options?: WaitOptions,
): Promise<SettledMessage> {
  const watch = watchSettled();
  try {
    await action();
    return await watch.next(match, options);
  } finally {
    watch.close();
  }
}

interface Waiter {
  /** Called on each new message; returns true once the waiter is done. */
  check(): boolean;
  fail(error: Error): void;
}

function watchChannel<T>(channel: Channel, summary: (message: T) => string): Watch<T> {
  const seen: T[] = [];
  const taken = new Set<number>();
  const waiters = new Set<Waiter>();
  const name = String(channel.name);
  const listener = (message: unknown) => {
    seen.push(message as T);
    for (const waiter of [...waiters]) if (waiter.check()) waiters.delete(waiter);
  };
  subscribe(name, listener);

  const wait = <R>(
    what: string,
    options: WaitOptions | undefined,
    found: () => R | undefined,
  ): Promise<R> => {
    const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const last = seen.slice(-8).map(summary);
        reject(
          new Error(
            `${name}: ${what} not seen within ${timeoutMs} ms; ${seen.length} message(s) seen` +
              (last.length ? `, the last: ${last.join('; ')}` : ''),
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          const result = found();
          if (result === undefined) return false;
          clearTimeout(timer);
          resolve(result);
          return true;
        },
        fail(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (!waiter.check()) waiters.add(waiter);
    });
  };

  const watch: Watch<T> = {
    seen,
    next(match, options) {
      const test = matcher(match);
      return wait(`a message matching ${describe(match)}`, options, () => {
        const index = seen.findIndex((message, i) => !taken.has(i) && test(message));
        if (index < 0) return undefined;
        taken.add(index);
        return seen[index];
      });
    },
    until(count, match, options) {
      const test = matcher(match);
      return wait(`${count} message(s) matching ${describe(match)}`, options, () => {
        const matching = seen.filter(test);
        return matching.length >= count ? matching.slice(0, count) : undefined;
      });
    },
    close() {
      if (!open.delete(watch as Watch<unknown>)) return;
      unsubscribe(name, listener);
      for (const waiter of waiters) waiter.fail(new Error(`${name}: watch closed while still awaited`));
      waiters.clear();
    },
  };
  open.add(watch as Watch<unknown>);
  return watch;
}

function matcher<T>(match: Match<T> | undefined): (message: T) => boolean {
  if (match === undefined) return () => true;
  if (typeof match === 'function') return match;
  return (message) => matches(message, match);
}

function matches(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return Object.is(value, pattern);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(pattern).every(([key, expected]) =>
    matches((value as Record<string, unknown>)[key], expected),
  );
}

function describe<T>(match: Match<T> | undefined): string {
  if (match === undefined) return 'anything';
  if (typeof match === 'function') return `the predicate ${match.name || 'given'}`;
  return JSON.stringify(match);
}

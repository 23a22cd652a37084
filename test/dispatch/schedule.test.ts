import { describe, expect, it } from 'vitest';
import { longestStep, nextAttempt } from '../../src/dispatch/backoff.ts';
import { CIRCUIT_THRESHOLD, Circuit } from '../../src/dispatch/circuit.ts';
import { classify, retryAfterMs } from '../../src/dispatch/classify.ts';
import { TokenBucket } from '../../src/dispatch/ratelimit.ts';
import { WakeQueue } from '../../src/dispatch/wake-queue.ts';

const HOUR = 3_600_000;
const retry = { schedule: [5_000, 30_000, 120_000], jitter: 0.2, max_age: 3 * 24 * HOUR };

describe('nextAttempt', () => {
  it('follows the schedule step by step, with jitter within ±jitter', () => {
    expect(nextAttempt(retry, 0, 0, 1_000, () => 0.5)).toEqual({ dead: false, at: 6_000 });
    expect(nextAttempt(retry, 1, 0, 1_000, () => 0)).toEqual({ dead: false, at: 1_000 + 24_000 });
    expect(nextAttempt(retry, 2, 0, 1_000, () => 1)).toEqual({ dead: false, at: 1_000 + 144_000 });
  });

  it('is dead once the schedule is used up or max_age has passed, and never schedules past max_age', () => {
    expect(nextAttempt(retry, 3, 0, 1_000)).toEqual({ dead: true });
    expect(nextAttempt(retry, 0, 0, retry.max_age)).toEqual({ dead: true });
    const nearEnd = retry.max_age - 1_000;
    expect(nextAttempt(retry, 2, 0, nearEnd, () => 0.5)).toEqual({ dead: false, at: retry.max_age });
  });

  it('knows the longest step', () => {
    expect(longestStep(retry)).toBe(120_000);
  });
});

describe('classify', () => {
  const now = Date.UTC(2026, 0, 1);
  it('treats 2xx as delivered unless the endpoint lists its own success codes', () => {
    expect(classify({ status: 204, retryAfter: undefined }, undefined, now, 1_000)).toEqual({
      kind: 'delivered',
    });
    expect(classify({ status: 202, retryAfter: undefined }, [200], now, 1_000)).toEqual({ kind: 'failed' });
    expect(classify({ status: 200, retryAfter: undefined }, [200], now, 1_000)).toEqual({
      kind: 'delivered',
    });
  });

  it('fails redirects, other errors and no answer at all', () => {
    for (const status of [301, 302, 400, 404, 500, undefined]) {
      expect(classify({ status, retryAfter: undefined }, undefined, now, 1_000)).toEqual({ kind: 'failed' });
    }
  });

  it('disables on 410 and pauses on 429/503 with Retry-After, capped', () => {
    expect(classify({ status: 410, retryAfter: undefined }, undefined, now, 1_000)).toEqual({
      kind: 'disable',
    });
    expect(classify({ status: 429, retryAfter: '2' }, undefined, now, 60_000)).toEqual({
      kind: 'pause',
      ms: 2_000,
    });
    expect(classify({ status: 503, retryAfter: '7200' }, undefined, now, 60_000)).toEqual({
      kind: 'pause',
      ms: 60_000,
    });
    expect(classify({ status: 429, retryAfter: undefined }, undefined, now, 60_000)).toEqual({
      kind: 'failed',
    });
    expect(classify({ status: 429, retryAfter: 'soon' }, undefined, now, 60_000)).toEqual({ kind: 'failed' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});

describe('TokenBucket', () => {
  it('allows a second of burst, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.available(0)).toBe(10);
    bucket.take(10, 0);
    expect(bucket.available(0)).toBe(0);
    expect(bucket.waitMs(0)).toBe(100);
    expect(bucket.available(250)).toBe(2);
    expect(bucket.available(10_000)).toBe(10);
  });

  it('handles rates below one per second', () => {
    const bucket = new TokenBucket(0.5, 0);
    bucket.take(1, 0);
    expect(bucket.waitMs(0)).toBe(2_000);
    expect(bucket.available(2_000)).toBe(1);
  });
});

describe('Circuit', () => {
  it('opens after consecutive failures, probes one at a time, closes on a success', () => {
    const circuit = new Circuit();
    expect(circuit.allowance(8)).toBe(8);
    for (let i = 0; i < CIRCUIT_THRESHOLD - 1; i++) circuit.onFailure();
    circuit.onSuccess();
    for (let i = 0; i < CIRCUIT_THRESHOLD - 1; i++) circuit.onFailure();
    expect(circuit.state).toBe('closed');
    circuit.onFailure();
    expect(circuit.state).toBe('open');
    expect(circuit.allowance(8)).toBe(1);
    circuit.onSend();
    expect(circuit.state).toBe('half-open');
    circuit.onFailure();
    expect(circuit.state).toBe('open');
    circuit.onSend();
    circuit.onSuccess();
    expect(circuit.state).toBe('closed');
    expect(circuit.allowance(8)).toBe(8);
  });
});

describe('WakeQueue', () => {
  it('pops due items in time order and keeps later ones', () => {
    const queue = new WakeQueue<string>();
    for (const [at, item] of [
      [50, 'e'],
      [10, 'a'],
      [30, 'c'],
      [20, 'b'],
      [40, 'd'],
      [60, 'f'],
    ] as const) {
      queue.push(at, item);
    }
    expect(queue.peek()).toBe(10);
    expect(queue.popDue(35)).toEqual(['a', 'b', 'c']);
    expect(queue.peek()).toBe(40);
    expect(queue.popDue(100)).toEqual(['d', 'e', 'f']);
    expect(queue.size).toBe(0);
  });
});

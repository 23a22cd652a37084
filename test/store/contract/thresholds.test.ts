import { describe, expect, it } from 'vitest';
import type { ThresholdGate } from '../../../src/store/store.ts';
import { backendsWith } from './backends.ts';
import { event, eventFilter, HOUR, MINUTE, T0, unfinished } from './fixtures.ts';

const WINDOW = HOUR;

function gate(key: string | undefined, options: Partial<ThresholdGate> = {}): ThresholdGate {
  return { route: 'bounces', key, count: 3, within: WINDOW, once: false, endpoints: ['pager'], ...options };
}

/** A bounce of `key` at `at`, fanned out to `log` at once and to `pager` behind the gate. */
function bounce(key: string | undefined, at: number, options: Partial<ThresholdGate> = {}) {
  return event({ receivedAt: at, endpoints: ['log'], gates: [gate(key, options)] });
}

describe.each(backendsWith('thresholds'))('$name store: thresholds', (backend) => {
  it('opens a gate on the event that reaches the count and every later one, per key', async () => {
    const { store } = await backend.open();
    const results = [];
    for (const [i, key] of ['a', 'a', 'b', 'a', 'a'].entries())
      results.push(await store.enqueue(bounce(key, T0 + i)));
    expect(results.map((r) => (r.duplicateOf === undefined ? [r.endpoints, r.held] : r))).toEqual([
      [['log'], ['bounces']],
      [['log'], ['bounces']],
      [['log'], ['bounces']],
      [['log', 'pager'], []],
      [['log', 'pager'], []],
    ]);
    expect(await unfinished(store)).toEqual({ log: 5, pager: 2 });
  });

  it('with once, opens only for the event that makes the count reach it', async () => {
    const { store } = await backend.open();
    const held = [];
    for (let i = 0; i < 5; i++) {
      const r = await store.enqueue(bounce('a', T0 + i, { once: true }));
      held.push(r.duplicateOf === undefined && r.held.length > 0);
    }
    expect(held).toEqual([true, true, false, true, true]);
  });

  it('counts only within the window, which slides', async () => {
    const { store } = await backend.open();
    await store.enqueue(bounce('a', T0));
    await store.enqueue(bounce('a', T0 + 10 * MINUTE));
    // The first has left the window: two within it.
    const third = await store.enqueue(bounce('a', T0 + WINDOW + MINUTE));
    expect(third.duplicateOf === undefined && third.held).toEqual(['bounces']);
    const fourth = await store.enqueue(bounce('a', T0 + WINDOW + 2 * MINUTE));
    expect(fourth.duplicateOf === undefined && fourth.held).toEqual([]);
  });

  it('holds an event without the key and never counts it; says why per route', async () => {
    const { store } = await backend.open();
    const keyless = bounce(undefined, T0);
    await store.enqueue(keyless);
    const counted = bounce('a', T0 + 1);
    await store.enqueue(counted);
    expect(await store.reads.holdsOf(keyless.id)).toEqual([
      { route: 'bounces', reason: 'threshold: the event has no key' },
    ]);
    expect(await store.reads.holdsOf(counted.id)).toEqual([
      { route: 'bounces', reason: 'threshold: 1 of 3 within the window' },
    ]);
    const listed = await store.reads.listEvents(eventFilter());
    expect(listed.map((e) => e.heldBy)).toEqual([['bounces'], ['bounces']]);
  });

  it('gives an endpoint both a plain route and an open gate name one delivery', async () => {
    const { store } = await backend.open();
    for (let i = 0; i < 3; i++)
      await store.enqueue(event({ receivedAt: T0 + i, endpoints: ['pager'], gates: [gate('a')] }));
    expect(await unfinished(store)).toEqual({ pager: 3 });
  });

  it('prunes counts once their window has passed, and they count no more', async () => {
    const { store } = await backend.open();
    await store.enqueue(bounce('a', T0));
    await store.enqueue(bounce('a', T0 + 1));
    const pruned = await store.prune(T0 - HOUR, T0 + 2 * WINDOW);
    expect(pruned.counts).toBe(2);
    const next = await store.enqueue(bounce('a', T0 + 2));
    expect(next.duplicateOf === undefined && next.held).toEqual(['bounces']);
  });
});

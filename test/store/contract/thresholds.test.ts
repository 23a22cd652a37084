import { describe, expect, it } from 'vitest';
import type { ThresholdGate } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import { event, eventFilter, HOUR, key, MINUTE, T0, unfinished } from './fixtures.ts';

const WINDOW = HOUR;

function gate(key: string | undefined, options: Partial<ThresholdGate> = {}): ThresholdGate {
  return { route: 'bounces', key, count: 3, within: WINDOW, once: false, endpoints: ['pager'], ...options };
}

/** A bounce of `key` at `at`, fanned out to `log` at once and to `pager` behind the gate. */
function bounce(key: string | undefined, at: number, options: Partial<ThresholdGate> = {}) {
  return event({ receivedAt: at, endpoints: ['log'], gates: [gate(key, options)] });
}

describe.each(backends)('$name store: thresholds', (backend) => {
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

  it('counts events handed over together one by one, in the order handed over', async () => {
    const { store } = await backend.open();
    // One event-loop turn: the backend may store them in one transaction.
    const results = await Promise.all(
      ['a', 'a', 'b', 'a', 'a', 'b', 'b'].map((k, i) => store.enqueue(bounce(k, T0 + i))),
    );
    expect(results.map((r) => r.duplicateOf === undefined && r.held.length === 0)).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
      true,
    ]);
    expect(await unfinished(store)).toEqual({ log: 7, pager: 3 });
  });

  it('never counts a duplicate', async () => {
    const { store } = await backend.open();
    const once = (at: number) => ({ ...bounce('a', at), idempotency: key('k1', T0 + HOUR) });
    const first = once(T0);
    await store.enqueue(first);
    expect(await store.enqueue(once(T0 + 1))).toEqual({ duplicateOf: first.id });
    const second = bounce('a', T0 + 2);
    await store.enqueue(second);
    expect(await store.reads.holdsOf(second.id)).toEqual([
      { route: 'bounces', reason: 'threshold: 2 of 3 within the window' },
    ]);
  });

  it('keeps counts made before a crash, and the next event counts on from them', async () => {
    const opened = await backend.open();
    await opened.store.enqueue(bounce('a', T0));
    await opened.store.enqueue(bounce('a', T0 + 1));
    const store = await opened.crash();
    const third = await store.enqueue(bounce('a', T0 + 2));
    expect(third.duplicateOf === undefined && third.endpoints).toEqual(['log', 'pager']);
  });

  it('says how far past the count an event of a once gate is', async () => {
    const { store } = await backend.open();
    const events = [0, 1, 2, 3].map((i) => bounce('a', T0 + i, { once: true, count: 2 }));
    for (const e of events) await store.enqueue(e);
    expect(await store.reads.holdsOf(events[3]!.id)).toEqual([
      { route: 'bounces', reason: 'threshold: reached already (once), 4 within the window' },
    ]);
  });
});

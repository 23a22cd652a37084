import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import { claimed, claimOf, complete, event, MINUTE, SECOND, T0 } from './fixtures.ts';

/** An event for `crm`, ordered there by `key` (undefined: unordered). */
function keyed(key: string | undefined, at = T0): NewEvent {
  return event({ receivedAt: at, ...(key === undefined ? {} : { orderKeys: { crm: key } }) });
}

describe.each(backends)('$name store: per-key ordering', (backend) => {
  it('lets only the oldest unfinished delivery of each key be claimed; unkeyed ones always', async () => {
    const { store } = await backend.open();
    const [a1, a2, b1, free] = [keyed('a'), keyed('a', T0 + 1), keyed('b', T0 + 2), keyed(undefined, T0 + 3)];
    for (const e of [a1, a2, b1, free]) await store.enqueue(e!);
    const first = await claimed(store, 'crm', T0 + 10, { ordered: true });
    expect(first.map((d) => d.eventId)).toEqual([a1!.id, b1!.id, free!.id]);
    // a2 waits while a1 is in flight.
    expect(await claimed(store, 'crm', T0 + 10, { ordered: true })).toEqual([]);
    expect(await complete(store, first[0]!, { next: 'delivered' }, T0 + 20)).toBe(true);
    expect((await claimed(store, 'crm', T0 + 20, { ordered: true })).map((d) => d.eventId)).toEqual([a2!.id]);
  });

  it("holds a key behind its retrying head, and only that key; nextDue is the head's", async () => {
    const { store } = await backend.open();
    const [a1, a2, b1, b2] = [keyed('a'), keyed('a', T0 + 1), keyed('b', T0 + 2), keyed('b', T0 + 3)];
    for (const e of [a1, a2, b1, b2]) await store.enqueue(e!);
    const [headA, headB] = await claimed(store, 'crm', T0 + 10, { ordered: true });
    await complete(store, headA!, { next: 'retry', at: T0 + MINUTE }, T0 + 20);
    await complete(store, headB!, { next: 'delivered' }, T0 + 20);
    const now = await claimOf(store, 'crm', T0 + 30, { ordered: true });
    expect([...now.fresh, ...now.retries].map((d) => d.eventId)).toEqual([b2!.id]);
    const later = await claimOf(store, 'crm', T0 + 40, { ordered: true });
    expect(later).toMatchObject({ fresh: [], retries: [], exhausted: true, nextDue: T0 + MINUTE });
    const retried = await claimed(store, 'crm', T0 + MINUTE, { ordered: true });
    expect(retried.map((d) => d.eventId)).toEqual([a1!.id]);
  });

  it('never lets two of one key be in flight, even when an older one is requeued behind one in flight', async () => {
    const { store } = await backend.open();
    const [first, second] = [keyed('k'), keyed('k', T0 + 1)];
    for (const e of [first, second]) await store.enqueue(e!);
    const [head] = await claimed(store, 'crm', T0 + 10, { ordered: true });
    expect(await complete(store, head!, { next: 'delivered' }, T0 + 20)).toBe(true);
    const [next] = await claimed(store, 'crm', T0 + 30, { ordered: true });
    expect(next?.eventId).toBe(second!.id);
    // The first comes back while the second is in flight: it is the older, but it waits.
    expect(await store.operator.retry(head!.id, T0 + 40)).toBe('requeued');
    expect(await claimed(store, 'crm', T0 + 50, { ordered: true })).toEqual([]);
    expect(await complete(store, next!, { next: 'delivered' }, T0 + 60)).toBe(true);
    expect((await claimed(store, 'crm', T0 + 70, { ordered: true })).map((d) => d.id)).toEqual([head!.id]);
  });

  it('ignores order keys when the endpoint does not order', async () => {
    const { store } = await backend.open();
    for (const e of [keyed('a'), keyed('a', T0 + 1)]) await store.enqueue(e);
    expect(await claimed(store, 'crm', T0 + 10)).toHaveLength(2);
  });

  it('keeps the order of events handed over together', async () => {
    const { store } = await backend.open();
    const [a1, a2, b1, a3] = [keyed('a'), keyed('a', T0 + 1), keyed('b', T0 + 2), keyed('a', T0 + 3)];
    // One event-loop turn: the backend may store them in one transaction.
    await Promise.all([a1, a2, b1, a3].map((e) => store.enqueue(e!)));
    const sent: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const now = T0 + round * SECOND;
      const batch = await claimed(store, 'crm', now, { ordered: true });
      for (const d of batch) {
        sent.push(d.eventId);
        expect(await complete(store, d, { next: 'delivered' }, now)).toBe(true);
      }
    }
    expect(sent).toEqual([a1!.id, b1!.id, a2!.id, a3!.id]);
  });

  it('gives a key back its head after a crash, in place: the next still waits', async () => {
    const opened = await backend.open();
    const [a1, a2] = [keyed('a'), keyed('a', T0 + 1)];
    for (const e of [a1, a2]) await opened.store.enqueue(e!);
    const [head] = await claimed(opened.store, 'crm', T0 + 10, { ordered: true });
    expect(head?.eventId).toBe(a1!.id);
    const store = await opened.crash();
    expect(await store.recover(T0 + 20)).toBe(1);
    const again = await claimed(store, 'crm', T0 + 30, { ordered: true });
    expect(again.map((d) => d.eventId)).toEqual([a1!.id]);
    expect(again[0]!.id).toBe(head!.id);
  });

  it('orders a delivery an opened threshold gate made with the plain ones of its key', async () => {
    const { store } = await backend.open();
    const gate = { route: 'bounces', key: 'x', count: 1, within: MINUTE, once: false, endpoints: ['crm'] };
    const gated = event({ endpoints: [], gates: [gate], orderKeys: { crm: 'a' } });
    const plain = keyed('a', T0 + 1);
    await Promise.all([store.enqueue(gated), store.enqueue(plain)]);
    expect((await claimed(store, 'crm', T0 + 10, { ordered: true })).map((d) => d.eventId)).toEqual([
      gated.id,
    ]);
  });
});

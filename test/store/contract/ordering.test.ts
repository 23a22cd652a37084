import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../src/store/store.ts';
import { backendsWith } from './backends.ts';
import { claimed, claimOf, complete, event, MINUTE, T0 } from './fixtures.ts';

/** An event for `crm`, ordered there by `key` (undefined: unordered). */
function keyed(key: string | undefined, at = T0): NewEvent {
  return event({ receivedAt: at, ...(key === undefined ? {} : { orderKeys: { crm: key } }) });
}

describe.each(backendsWith('ordering'))('$name store: per-key ordering', (backend) => {
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

  it('ignores order keys when the endpoint does not order', async () => {
    const { store } = await backend.open();
    for (const e of [keyed('a'), keyed('a', T0 + 1)]) await store.enqueue(e);
    expect(await claimed(store, 'crm', T0 + 10)).toHaveLength(2);
  });
});

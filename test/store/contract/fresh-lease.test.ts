import { describe, expect, it } from 'vitest';
import type { ClaimedDelivery, EnqueueResult, NewEvent, Store } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import { claimed, complete, deliveryTo, detail, event, LEASE, SECOND, T0, unfinished } from './fixtures.ts';

/** A backend may take `NewEvent.lease` or leave the deliveries pending; either way these hold. */
async function storeLeased(store: Store, e: NewEvent): Promise<ClaimedDelivery[]> {
  const result: EnqueueResult = await store.enqueue(e);
  if (result.duplicateOf !== undefined) throw new Error(`${e.id} was taken for a duplicate`);
  expect(result.endpoints).toEqual(e.endpoints);
  for (const delivery of result.leased) {
    expect(e.lease?.endpoints).toContain(delivery.endpoint);
    expect(delivery).toMatchObject({
      eventId: e.id,
      attempts: 0,
      step: 0,
      createdAt: e.receivedAt,
      source: e.source,
      type: e.type,
      contentType: e.contentType,
      body: e.body,
    });
    expect((await detail(store, delivery.id)).state).toBe('in_flight');
  }
  return result.leased;
}

describe.each(backends)('$name store: deliveries stored claimed (NewEvent.lease)', (backend) => {
  it('a delivery handed back claimed is in flight: no claim takes it, and its completion applies', async () => {
    const { store } = await backend.open();
    const e = event({ endpoints: ['crm', 'erp'], lease: { endpoints: ['crm'], until: T0 + LEASE } });
    const leased = await storeLeased(store, e);
    // erp was not asked for: pending, as always.
    expect((await deliveryTo(store, e.id, 'erp')).state).toBe('pending');
    expect(await claimed(store, 'erp', T0)).toHaveLength(1);
    const crm = await claimed(store, 'crm', T0);
    // Whichever way the backend took it, crm's delivery is sent exactly once from here.
    expect(leased.length + crm.length).toBe(1);
    const sent = leased[0] ?? crm[0]!;
    expect(await complete(store, sent, { next: 'delivered' }, T0 + SECOND)).toBe(true);
    expect((await detail(store, sent.id)).state).toBe('delivered');
    expect(await claimed(store, 'crm', T0 + SECOND)).toEqual([]);
  });

  it('a delivery stored claimed comes back when its lease runs out, and its late completion is refused', async () => {
    const { store } = await backend.open();
    const e = event({ lease: { endpoints: ['crm'], until: T0 + LEASE } });
    const [leased] = await storeLeased(store, e);
    expect(await store.expireLeases(T0 + LEASE + 1)).toBe(leased ? 1 : 0);
    const again = await claimed(store, 'crm', T0 + LEASE + 1);
    expect(again.map((d) => d.eventId)).toEqual([e.id]);
    if (leased) {
      expect(again[0]!.claim).not.toBe(leased.claim);
      expect(await complete(store, leased, { next: 'delivered' }, T0 + LEASE + 2)).toBe(false);
    }
    expect(await complete(store, again[0]!, { next: 'delivered' }, T0 + LEASE + 2)).toBe(true);
  });

  it('a crash returns deliveries stored claimed to pending: nothing acknowledged is lost', async () => {
    const opened = await backend.open();
    const e = event({ endpoints: ['crm', 'erp'], lease: { endpoints: ['crm', 'erp'], until: T0 + LEASE } });
    await storeLeased(opened.store, e);
    const store = await opened.crash();
    expect(await store.recover(T0 + SECOND)).toBeGreaterThanOrEqual(0);
    expect(await unfinished(store)).toEqual({ crm: 1, erp: 1 });
    expect((await claimed(store, 'crm', T0 + SECOND)).map((d) => d.eventId)).toEqual([e.id]);
    expect((await claimed(store, 'erp', T0 + SECOND)).map((d) => d.eventId)).toEqual([e.id]);
  });

  it('never stores an ordered delivery claimed: its key decides when it goes', async () => {
    const { store } = await backend.open();
    const head = event({ orderKeys: { crm: 'customer-1' } });
    await store.enqueue(head);
    const next = event({
      receivedAt: T0 + 1,
      orderKeys: { crm: 'customer-1' },
      lease: { endpoints: ['crm'], until: T0 + LEASE },
    });
    expect(await storeLeased(store, next)).toEqual([]);
    expect((await claimed(store, 'crm', T0 + 1, { ordered: true })).map((d) => d.eventId)).toEqual([head.id]);
  });

  it('a duplicate stores nothing claimed', async () => {
    const { store } = await backend.open();
    const idempotency = { key: 'k-1', expiresAt: T0 + 60 * SECOND };
    await store.enqueue(event({ idempotency }));
    const result = await store.enqueue(
      event({ idempotency, lease: { endpoints: ['crm'], until: T0 + LEASE } }),
    );
    expect(result.duplicateOf).toBeDefined();
    expect(await unfinished(store)).toEqual({ crm: 1 });
  });
});

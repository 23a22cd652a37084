import { describe, expect, it } from 'vitest';
import { backends } from './backends.ts';
import { accepted, enqueued, event, HOUR, key, MINUTE, T0, unfinished } from './fixtures.ts';

describe.each(backends)('$name store: enqueue', (backend) => {
  it('stores the event byte for byte, with one pending delivery per endpoint, due at once', async () => {
    const { store } = await backend.open();
    const body = Buffer.from([0x00, 0xff, 0x7b, 0x22, 0x0a]);
    const e = event({ body, contentType: 'application/octet-stream', endpoints: ['crm', 'analytics'] });
    expect(await store.enqueue(e)).toEqual(accepted(e));

    expect(await store.reads.event(e.id)).toEqual({
      id: e.id,
      source: 'shop',
      type: 'order.created',
      receivedAt: T0,
      contentType: 'application/octet-stream',
      body,
    });
    const deliveries = await store.reads.deliveriesOf(e.id);
    expect(deliveries.map((d) => d.endpoint)).toEqual(['crm', 'analytics']);
    for (const d of deliveries) {
      expect(d).toMatchObject({
        eventId: e.id,
        state: 'pending',
        attempts: 0,
        step: 0,
        createdAt: T0,
        nextAttemptAt: T0,
        finishedAt: undefined,
        lastStatus: undefined,
        lastError: undefined,
        attemptLog: [],
      });
    }
    expect(await unfinished(store)).toEqual({ crm: 1, analytics: 1 });
  });

  it('keeps a missing content type missing', async () => {
    const { store } = await backend.open();
    const e = await store.enqueue(event({ id: 'evt_plain', contentType: undefined }));
    expect(e.duplicateOf).toBeUndefined();
    expect((await store.reads.event('evt_plain'))?.contentType).toBeUndefined();
  });

  it('stores an event routed nowhere, with no delivery', async () => {
    const { store } = await backend.open();
    const e = event({ endpoints: [] });
    expect(await store.enqueue(e)).toEqual(accepted(e));
    expect((await store.reads.event(e.id))?.id).toBe(e.id);
    expect(await store.reads.deliveriesOf(e.id)).toEqual([]);
    expect(await unfinished(store)).toEqual({});
  });

  it('answers a key seen within its window with the first event, and stores nothing new', async () => {
    const { store } = await backend.open();
    const first = event({ idempotency: key('order-1', T0 + HOUR) });
    const again = event({ receivedAt: T0 + MINUTE, idempotency: key('order-1', T0 + MINUTE + HOUR) });
    await enqueued(store, first);
    expect(await store.enqueue(again)).toEqual({ duplicateOf: first.id });

    expect(await store.reads.event(again.id)).toBeUndefined();
    expect(await store.reads.deliveriesOf(again.id)).toEqual([]);
    expect(await unfinished(store)).toEqual({ crm: 1 });
    // The window is the first event's: a duplicate does not extend it.
    const late = event({ receivedAt: T0 + HOUR, idempotency: key('order-1', T0 + 2 * HOUR) });
    expect(await store.enqueue(late)).toEqual(accepted(late));
  });

  it('takes a key again once it has expired (at `expiresAt`), and the new event then holds it', async () => {
    const { store } = await backend.open();
    const first = event({ idempotency: key('order-1', T0 + HOUR) });
    await enqueued(store, first);
    const justBefore = event({ receivedAt: T0 + HOUR - 1, idempotency: key('order-1', T0 + 2 * HOUR) });
    expect(await store.enqueue(justBefore)).toEqual({ duplicateOf: first.id });

    const atExpiry = event({ receivedAt: T0 + HOUR, idempotency: key('order-1', T0 + 2 * HOUR) });
    expect(await store.enqueue(atExpiry)).toEqual(accepted(atExpiry));
    expect(await store.reads.deliveriesOf(atExpiry.id)).toHaveLength(1);

    const third = event({ receivedAt: T0 + HOUR + MINUTE, idempotency: key('order-1', T0 + 3 * HOUR) });
    expect(await store.enqueue(third)).toEqual({ duplicateOf: atExpiry.id });
  });

  it('keeps keys apart per source: the same key from two sources is two events', async () => {
    const { store } = await backend.open();
    const fromShop = event({ source: 'shop', idempotency: key('42', T0 + HOUR) });
    const fromBilling = event({ source: 'billing', idempotency: key('42', T0 + HOUR) });
    expect(await store.enqueue(fromShop)).toEqual(accepted(fromShop));
    expect(await store.enqueue(fromBilling)).toEqual(accepted(fromBilling));
    expect((await store.reads.event(fromBilling.id))?.source).toBe('billing');
    expect(await unfinished(store)).toEqual({ crm: 2 });
  });

  it('takes events without a key every time, whatever their body', async () => {
    const { store } = await backend.open();
    const body = Buffer.from('same');
    await enqueued(store, event({ body }), event({ body }));
    expect(await unfinished(store)).toEqual({ crm: 2 });
  });
});

describe.each(backends)('$name store: events handed over together', (backend) => {
  it('stores every one of a burst handed over in one turn', async () => {
    const { store } = await backend.open();
    const burst = Array.from({ length: 50 }, (_, i) => event({ receivedAt: T0 + i }));
    const results = await Promise.all(burst.map((e) => store.enqueue(e)));
    expect(results).toEqual(burst.map(accepted));
    expect(await unfinished(store)).toEqual({ crm: 50 });
    for (const e of burst) expect((await store.reads.event(e.id))?.body).toEqual(e.body);
  });

  it('fails one bad event alone, leaving nothing of it, while the rest of its turn is stored', async () => {
    const { store } = await backend.open();
    const taken = event();
    await enqueued(store, taken);
    const before = event({ receivedAt: T0 + 1 });
    // Same id as a stored event: this one cannot be stored. Its key must not be kept either.
    const clash = event({
      id: taken.id,
      endpoints: ['crm', 'erp'],
      receivedAt: T0 + 2,
      idempotency: key('k', T0 + HOUR),
    });
    const after = event({ receivedAt: T0 + 3, endpoints: ['erp'] });
    const answers = await Promise.allSettled([before, clash, after].map((e) => store.enqueue(e)));

    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await unfinished(store)).toEqual({ crm: 2, erp: 1 });
    expect(await store.reads.deliveriesOf(taken.id)).toHaveLength(1);
    expect((await store.reads.event(taken.id))?.receivedAt).toBe(T0);
    const reuse = event({ receivedAt: T0 + 4, idempotency: key('k', T0 + HOUR) });
    expect(await store.enqueue(reuse)).toEqual(accepted(reuse));
  });

  it('catches a duplicate key inside one turn: the second answers with the first', async () => {
    const { store } = await backend.open();
    const first = event({ idempotency: key('twice', T0 + HOUR) });
    const second = event({ receivedAt: T0 + 1, idempotency: key('twice', T0 + HOUR) });
    const results = await Promise.all([store.enqueue(first), store.enqueue(second)]);
    expect(results).toEqual([accepted(first), { duplicateOf: first.id }]);
    expect(await unfinished(store)).toEqual({ crm: 1 });
  });
});

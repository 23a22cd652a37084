import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import {
  ask,
  attempt,
  claimed,
  claimOf,
  completion,
  enqueued,
  event,
  LEASE,
  MINUTE,
  SECOND,
  T0,
} from './fixtures.ts';

/** `n` deliveries to crm that have failed once and are due again at `at`; returns their event ids. */
async function retriesDueAt(store: Store, n: number, at: number): Promise<string[]> {
  const events = await enqueued(
    store,
    ...Array.from({ length: n }, () => event({ receivedAt: T0 - MINUTE })),
  );
  const leased = await claimed(store, 'crm', T0 - MINUTE, { fresh: n, retries: 0 });
  const applied = await store.complete(
    leased.map((d) => completion(d, { next: 'retry', at }, attempt(T0 - MINUTE, 503))),
    T0 - MINUTE,
  );
  expect(applied).toEqual(leased.map(() => true));
  return events.map((e) => e.id);
}

describe.each(backends)('$name store: claim', (backend) => {
  it('leases a due delivery with all that is needed to send it', async () => {
    const { store } = await backend.open();
    const [e] = await enqueued(store, event({ body: Buffer.from('payload'), endpoints: ['crm', 'erp'] }));
    const claim = await claimOf(store, 'crm', T0);
    expect(claim).toMatchObject({ endpoint: 'crm', retries: [], exhausted: true, nextDue: undefined });
    expect(claim.fresh).toHaveLength(1);
    expect(claim.fresh[0]).toMatchObject({
      eventId: e!.id,
      endpoint: 'crm',
      attempts: 0,
      step: 0,
      createdAt: T0,
      source: 'shop',
      type: 'order.created',
      contentType: 'application/json',
      body: Buffer.from('payload'),
    });
    expect((await store.reads.delivery(claim.fresh[0]!.id))?.state).toBe('in_flight');
    // The other endpoint's delivery of the same event is its own.
    expect(await claimed(store, 'erp', T0)).toHaveLength(1);
  });

  it('leases nothing before it is due: empty, exhausted, and says when the earliest is due', async () => {
    const { store } = await backend.open();
    await enqueued(store, event({ receivedAt: T0 + 5 * SECOND }), event({ receivedAt: T0 + 3 * SECOND }));
    expect(await claimOf(store, 'crm', T0)).toEqual({
      endpoint: 'crm',
      fresh: [],
      retries: [],
      exhausted: true,
      nextDue: T0 + 3 * SECOND,
    });
    expect(await claimed(store, 'crm', T0 + 3 * SECOND - 1)).toEqual([]);
    expect(await claimed(store, 'crm', T0 + 3 * SECOND)).toHaveLength(1);
    expect(await claimOf(store, 'crm', T0 + 3 * SECOND)).toMatchObject({
      fresh: [],
      exhausted: true,
      nextDue: T0 + 5 * SECOND,
    });
  });

  it('says nothing is due at all for an endpoint without pending work', async () => {
    const { store } = await backend.open();
    await enqueued(store, event({ endpoints: ['erp'] }));
    expect(await claimOf(store, 'crm', T0)).toEqual({
      endpoint: 'crm',
      fresh: [],
      retries: [],
      exhausted: true,
      nextDue: undefined,
    });
  });

  it('takes at most `fresh`, oldest due first, and is not exhausted while more are due', async () => {
    const { store } = await backend.open();
    const events = await enqueued(
      store,
      event({ receivedAt: T0 + 3 }),
      event({ receivedAt: T0 + 1 }),
      event({ receivedAt: T0 + 4 }),
      event({ receivedAt: T0 + 2 }),
      event({ receivedAt: T0 + 5 }),
    );
    const byAge = [1, 3, 0, 2, 4].map((i) => events[i]!.id);
    const first = await claimOf(store, 'crm', T0 + 10, { fresh: 3 });
    expect(first.fresh.map((d) => d.eventId)).toEqual(byAge.slice(0, 3));
    expect(first).toMatchObject({ retries: [], exhausted: false, nextDue: undefined });
    const rest = await claimOf(store, 'crm', T0 + 10, { fresh: 3 });
    expect(rest.fresh.map((d) => d.eventId)).toEqual(byAge.slice(3));
    expect(rest.exhausted).toBe(true);
  });

  it('does not lease a claimed delivery again while its lease holds', async () => {
    const { store } = await backend.open();
    await enqueued(store, event(), event());
    const first = await claimed(store, 'crm', T0, { leaseUntil: T0 + LEASE });
    expect(first).toHaveLength(2);
    expect(await claimed(store, 'crm', T0 + SECOND)).toEqual([]);
    expect(await store.expireLeases(T0 + LEASE)).toBe(0);
    expect(await claimed(store, 'crm', T0 + LEASE)).toEqual([]);
    const claim = await claimOf(store, 'crm', T0 + LEASE);
    // In flight is not pending: nothing is due later either.
    expect(claim).toMatchObject({ exhausted: true, nextDue: undefined });
  });

  it('fills with retries only what first attempts leave, up to `retries`', async () => {
    const { store } = await backend.open();
    const retryIds = await retriesDueAt(store, 4, T0);
    const [fresh] = await enqueued(store, event({ receivedAt: T0 }));
    const claim = await claimOf(store, 'crm', T0, { fresh: 3, retries: 5 });
    expect(claim.fresh.map((d) => d.eventId)).toEqual([fresh!.id]);
    expect(claim.retries.map((d) => d.eventId)).toEqual(retryIds.slice(0, 2));
    expect(claim.retries.every((d) => d.attempts === 1 && d.step === 1)).toBe(true);
    expect(claim.exhausted).toBe(false);

    const capped = await claimOf(store, 'crm', T0, { fresh: 5, retries: 1 });
    expect(capped.fresh).toEqual([]);
    expect(capped.retries.map((d) => d.eventId)).toEqual(retryIds.slice(2, 3));
    expect(capped.exhausted).toBe(false);
  });

  it('never lets a backlog of due retries hide a fresh delivery', async () => {
    const { store } = await backend.open();
    await retriesDueAt(store, 5, T0 - SECOND);
    const [fresh] = await enqueued(store, event({ receivedAt: T0 }));
    const claim = await claimOf(store, 'crm', T0, { fresh: 1, retries: 1 });
    expect(claim.fresh.map((d) => d.eventId)).toEqual([fresh!.id]);
    expect(claim.retries).toEqual([]);
  });

  it('is not exhausted when retries are due but the ask took none', async () => {
    const { store } = await backend.open();
    await retriesDueAt(store, 2, T0);
    const claim = await claimOf(store, 'crm', T0, { fresh: 2, retries: 0 });
    expect(claim).toMatchObject({ fresh: [], retries: [], exhausted: false });
    expect(await claimed(store, 'crm', T0, { fresh: 2, retries: 2 })).toHaveLength(2);
  });

  it('names the next due time of a retry too, when it comes first', async () => {
    const { store } = await backend.open();
    await retriesDueAt(store, 1, T0 + 10 * SECOND);
    await enqueued(store, event({ receivedAt: T0 + 20 * SECOND }));
    expect(await claimOf(store, 'crm', T0)).toMatchObject({ exhausted: true, nextDue: T0 + 10 * SECOND });
  });

  it('answers every ask of one call, in order, each for its own endpoint', async () => {
    const { store } = await backend.open();
    await enqueued(store, event({ endpoints: ['crm', 'erp'] }), event({ endpoints: ['erp'] }));
    const claims = await store.claim([ask('erp'), ask('billing'), ask('crm')], T0);
    expect(claims.map((c) => [c.endpoint, c.fresh.length])).toEqual([
      ['erp', 2],
      ['billing', 0],
      ['crm', 1],
    ]);
    expect(claims.every((c) => c.fresh.every((d) => d.endpoint === c.endpoint))).toBe(true);
  });
});

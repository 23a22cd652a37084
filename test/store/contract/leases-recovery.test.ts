import { describe, expect, it } from 'vitest';
import { backends } from './backends.ts';
import {
  attempt,
  claimed,
  claimedOne,
  complete,
  detail,
  enqueued,
  event,
  LEASE,
  MINUTE,
  type Next,
  oneInFlight,
  SECOND,
  T0,
  unfinished,
} from './fixtures.ts';

/** Every kind of completion, each of which a stale claim must not apply. */
const outcomes: { name: string; next: Next }[] = [
  { name: 'delivered', next: { next: 'delivered' } },
  { name: 'retry', next: { next: 'retry', at: T0 + 10 * MINUTE } },
  { name: 'dead', next: { next: 'dead' } },
  {
    name: 'release with disable',
    next: { next: 'release', at: T0, disable: { endpoint: 'crm', reason: 'gone' } },
  },
];

describe.each(backends)('$name store: leases', (backend) => {
  it('gives back only the claims whose lease has run out, the moment after `leaseUntil`', async () => {
    const { store } = await backend.open();
    const [early, late] = await enqueued(store, event(), event({ receivedAt: T0 + 1 }));
    await claimed(store, 'crm', T0, { fresh: 1, leaseUntil: T0 + LEASE });
    await claimed(store, 'crm', T0 + 1, { fresh: 1, leaseUntil: T0 + 2 * LEASE });
    expect(await store.expireLeases(T0 + LEASE)).toBe(0);
    expect(await store.expireLeases(T0 + LEASE + 1)).toBe(1);
    expect(await store.expireLeases(T0 + LEASE + 1)).toBe(0);
    const back = await claimed(store, 'crm', T0 + LEASE + 1);
    expect(back.map((d) => d.eventId)).toEqual([early!.id]);
    expect((await store.reads.deliveriesOf(late!.id))[0]?.state).toBe('in_flight');
  });

  it.each(outcomes)(
    'refuses a stale $name completion once the lease expired and the delivery was claimed again',
    async ({ next }) => {
      const { store } = await backend.open();
      await enqueued(store, event());
      const first = await claimedOne(store, 'crm', T0, { leaseUntil: T0 + LEASE });
      expect(await store.expireLeases(T0 + LEASE + 1)).toBe(1);
      const second = await claimedOne(store, 'crm', T0 + LEASE + 1, { leaseUntil: T0 + 2 * LEASE + 1 });
      expect(second.id).toBe(first.id);
      expect(second.claim).not.toBe(first.claim);

      expect(await complete(store, first, next, T0 + LEASE + 2)).toBe(false);
      expect(await detail(store, first.id)).toMatchObject({
        state: 'in_flight',
        attempts: 0,
        attemptLog: [],
      });
      expect((await store.endpointStates()).has('crm')).toBe(false);
      // The current claim is still the one that counts.
      expect(
        await complete(store, second, { next: 'delivered' }, T0 + LEASE + 3, attempt(T0 + LEASE + 2)),
      ).toBe(true);
      expect(await detail(store, first.id)).toMatchObject({
        state: 'delivered',
        attempts: 1,
        attemptLog: [{ n: 1, startedAt: T0 + LEASE + 2 }],
      });
    },
  );

  it('refuses a completion whose lease was taken back, even before anyone claims it again', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    await store.expireLeases(T0 + LEASE + 1);
    expect(await complete(store, d, { next: 'delivered' }, T0 + LEASE + 2)).toBe(false);
    expect(await detail(store, d.id)).toMatchObject({ state: 'pending', attempts: 0, attemptLog: [] });
  });

  it('applies a late completion while nobody has taken the lease back', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store, T0 + LEASE);
    expect(await complete(store, d, { next: 'delivered' }, T0 + 2 * LEASE)).toBe(true);
    expect((await detail(store, d.id)).state).toBe('delivered');
  });

  it('applies a completion once: the same claim completed twice is refused the second time', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    expect(await complete(store, d, { next: 'retry', at: T0 + MINUTE }, T0 + 1, attempt(T0, 500))).toBe(true);
    expect(await complete(store, d, { next: 'delivered' }, T0 + 2)).toBe(false);
    expect(await detail(store, d.id)).toMatchObject({ state: 'pending', attempts: 1, step: 1 });
  });

  it('refuses a completion of a delivery it does not know', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    expect(await complete(store, { ...d, id: d.id + 1000 }, { next: 'delivered' }, T0 + 1)).toBe(false);
    expect((await detail(store, d.id)).state).toBe('in_flight');
  });
});

describe.each(backends)('$name store: recovery', (backend) => {
  it('returns claims in flight to pending, and refuses their completions afterwards', async () => {
    const { store } = await backend.open();
    await enqueued(store, event(), event(), event());
    const leased = await claimed(store, 'crm', T0, { fresh: 2 });
    expect(await store.recover(T0 + SECOND)).toBe(2);
    expect(await store.recover(T0 + SECOND)).toBe(0);
    for (const d of leased) {
      expect(await complete(store, d, { next: 'delivered' }, T0 + 2 * SECOND)).toBe(false);
      expect(await detail(store, d.id)).toMatchObject({ state: 'pending', attempts: 0, attemptLog: [] });
    }
    expect(await claimed(store, 'crm', T0 + 2 * SECOND)).toHaveLength(3);
  });

  it('refuses a recovered claim even when the new claim has the very same lease', async () => {
    const { store } = await backend.open();
    const before = await oneInFlight(store, T0 + LEASE);
    await store.recover(T0);
    const after = await claimedOne(store, 'crm', T0, { leaseUntil: T0 + LEASE });
    expect(await complete(store, before, { next: 'dead' }, T0 + 1)).toBe(false);
    expect(await detail(store, after.id)).toMatchObject({ state: 'in_flight', attempts: 0 });
    expect(await complete(store, after, { next: 'delivered' }, T0 + 1)).toBe(true);
  });

  it('after a crash: every acknowledged event is there and the claims left in flight come back', async () => {
    const opened = await backend.open();
    const events = await enqueued(
      opened.store,
      event({ endpoints: ['crm', 'erp'] }),
      event({ receivedAt: T0 + 1 }),
      event({ receivedAt: T0 + 2, endpoints: [] }),
    );
    const [first, second] = await claimed(opened.store, 'crm', T0 + 2, { fresh: 2 });
    expect(second).toBeDefined();
    expect(
      await complete(opened.store, first!, { next: 'retry', at: T0 + MINUTE }, T0 + 5, attempt(T0, 503)),
    ).toBe(true);
    const again = await claimedOne(opened.store, 'crm', T0 + MINUTE);

    const store = await opened.crash();
    for (const e of events) expect((await store.reads.event(e.id))?.body).toEqual(e.body);
    expect(await unfinished(store)).toEqual({ crm: 2, erp: 1 });
    expect(await store.recover(T0 + MINUTE + SECOND)).toBe(2);
    // Work done before the crash stands: the attempt and its schedule.
    expect(await detail(store, first!.id)).toMatchObject({ state: 'pending', attempts: 1, step: 1 });
    expect((await detail(store, first!.id)).attemptLog).toMatchObject([{ n: 1, status: 503 }]);
    // A claim of the dead process completes nothing.
    expect(await complete(store, second!, { next: 'delivered' }, T0 + MINUTE + SECOND)).toBe(false);
    expect(await complete(store, again, { next: 'delivered' }, T0 + MINUTE + SECOND)).toBe(false);

    const resent = await claimed(store, 'crm', T0 + MINUTE + SECOND);
    expect(resent.map((d) => d.id).sort()).toEqual([first!.id, second!.id].sort());
    expect(await claimed(store, 'erp', T0 + MINUTE + SECOND)).toHaveLength(1);
  });

  it('after a clean reopen: everything written is there, attempt logs included', async () => {
    const opened = await backend.open();
    const [e] = await enqueued(opened.store, event({ endpoints: ['crm', 'erp'] }));
    const d = await claimedOne(opened.store, 'crm', T0);
    await complete(opened.store, d, { next: 'delivered' }, T0 + 5, attempt(T0, 202));
    const before = await opened.store.reads.deliveriesOf(e!.id);

    const store = await opened.reopen();
    expect(await store.reads.deliveriesOf(e!.id)).toEqual(before);
    expect(await store.reads.event(e!.id)).toEqual(await store.reads.event(e!.id));
    expect(await unfinished(store)).toEqual({ erp: 1 });
  });
});

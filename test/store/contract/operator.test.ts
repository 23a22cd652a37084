import { describe, expect, it } from 'vitest';
import type { ReplayRequest, Store } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import {
  attempt,
  claimed,
  claimedOne,
  complete,
  deliveryTo,
  detail,
  enqueued,
  event,
  HOUR,
  MINUTE,
  type Next,
  T0,
  unfinished,
} from './fixtures.ts';

const NOW = T0 + HOUR;

/** Finishes the oldest delivery due to `endpoint` with `next`. */
async function finish(store: Store, endpoint: string, next: Next): Promise<number> {
  const d = await claimedOne(store, endpoint, T0 + MINUTE, { fresh: 1, retries: 0 });
  expect(await complete(store, d, next, T0 + MINUTE, attempt(T0 + MINUTE, 500))).toBe(true);
  return d.id;
}

function replay(overrides: Partial<ReplayRequest>): ReplayRequest {
  return { endpoint: 'crm', state: 'dead', since: 0, limit: 100, dryRun: false, ...overrides };
}

describe.each(backends)('$name store: held backlogs', (backend) => {
  it('counts unfinished deliveries per endpoint, pending and in flight, named in no config', async () => {
    const { store } = await backend.open();
    await enqueued(store, event({ endpoints: ['retired', 'crm'] }), event({ endpoints: ['retired'] }));
    await claimedOne(store, 'crm', T0);
    expect(await unfinished(store)).toEqual({ retired: 2, crm: 1 });
  });

  it('moves pending deliveries to another endpoint, due now, and drops those already sent there', async () => {
    const { store } = await backend.open();
    const [inFlight] = await enqueued(store, event({ endpoints: ['old'] }));
    const flying = await claimedOne(store, 'old', T0);
    const [retried, plain, both] = await enqueued(
      store,
      event({ endpoints: ['old'], receivedAt: T0 + 1 }),
      event({ endpoints: ['old'], receivedAt: T0 + 2 }),
      event({ endpoints: ['old', 'new'], receivedAt: T0 + 3 }),
    );
    const failed = await claimedOne(store, 'old', T0 + 1, { fresh: 1 });
    await complete(store, failed, { next: 'retry', at: T0 + 5 * MINUTE }, T0 + 2, attempt(T0 + 1, 503));

    expect(await store.operator.moveBacklog('old', 'new', NOW)).toEqual({ moved: 2, dropped: 1 });

    for (const e of [retried!, plain!]) {
      expect(await deliveryTo(store, e.id, 'new')).toMatchObject({
        state: 'pending',
        step: 0,
        createdAt: NOW,
        nextAttemptAt: NOW,
      });
      expect((await store.reads.deliveriesOf(e.id)).map((d) => d.endpoint)).toEqual(['new']);
    }
    // The schedule starts over; the count of requests made does not.
    expect((await deliveryTo(store, retried!.id, 'new')).attempts).toBe(1);
    expect(await deliveryTo(store, both!.id, 'old')).toMatchObject({ state: 'dropped', finishedAt: NOW });
    expect(await deliveryTo(store, both!.id, 'new')).toMatchObject({ state: 'pending', createdAt: T0 + 3 });
    // In flight is left alone, and its completion still counts.
    expect(await deliveryTo(store, inFlight!.id, 'old')).toMatchObject({ state: 'in_flight' });
    expect(await complete(store, flying, { next: 'delivered' }, NOW)).toBe(true);

    expect(await unfinished(store)).toEqual({ new: 3 });
    expect(await claimed(store, 'new', NOW)).toHaveLength(3);
    expect(await store.operator.moveBacklog('old', 'new', NOW)).toEqual({ moved: 0, dropped: 0 });
  });

  it('moves nothing, and drops nothing, when asked to move a backlog onto itself', async () => {
    const { store } = await backend.open();
    await enqueued(store, event({ endpoints: ['old'] }), event({ endpoints: ['old'] }));
    expect(await store.operator.moveBacklog('old', 'old', NOW)).toEqual({ moved: 0, dropped: 0 });
    expect(await unfinished(store)).toEqual({ old: 2 });
  });

  it('moves a backlog larger than one batch in one call', async () => {
    const { store } = await backend.open();
    const events = Array.from({ length: 1_100 }, (_, i) =>
      event({ endpoints: i % 3 ? ['old'] : ['old', 'new'] }),
    );
    await Promise.all(events.map((e) => store.enqueue(e)));
    expect(await store.operator.moveBacklog('old', 'new', NOW)).toEqual({ moved: 733, dropped: 367 });
    expect(await unfinished(store)).toEqual({ new: 1_100 });
  });

  it('drops pending deliveries: kept, finished now, never sent; in-flight and finished ones untouched', async () => {
    const { store } = await backend.open();
    const [sent, flying, held, other] = await enqueued(
      store,
      event(),
      event({ receivedAt: T0 + 1 }),
      event({ receivedAt: T0 + 2 }),
      event({ endpoints: ['erp'] }),
    );
    await finish(store, 'crm', { next: 'delivered' });
    const leased = await claimedOne(store, 'crm', T0 + 1, { fresh: 1 });

    expect(await store.operator.dropBacklog('crm', NOW)).toBe(1);
    expect(await deliveryTo(store, held!.id, 'crm')).toMatchObject({ state: 'dropped', finishedAt: NOW });
    expect((await deliveryTo(store, sent!.id, 'crm')).state).toBe('delivered');
    expect((await deliveryTo(store, flying!.id, 'crm')).state).toBe('in_flight');
    expect((await deliveryTo(store, other!.id, 'erp')).state).toBe('pending');
    expect(await unfinished(store)).toEqual({ crm: 1, erp: 1 });
    expect(await claimed(store, 'crm', NOW)).toEqual([]);
    expect(await complete(store, leased, { next: 'delivered' }, NOW)).toBe(true);
    expect(await store.operator.dropBacklog('crm', NOW)).toBe(0);
  });
});

describe.each(backends)('$name store: operator retry and replay', (backend) => {
  it('retry: a finished delivery is requeued, the schedule started over, the attempt count kept', async () => {
    const { store } = await backend.open();
    await enqueued(store, event());
    const id = await finish(store, 'crm', { next: 'dead' });
    expect(await store.operator.retry(id, NOW)).toBe('requeued');
    expect(await detail(store, id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      step: 0,
      createdAt: NOW,
      nextAttemptAt: NOW,
      finishedAt: undefined,
    });
    expect(await store.reads.deadCounts()).toEqual(new Map());
    const again = await claimedOne(store, 'crm', NOW);
    expect(again).toMatchObject({ id, attempts: 1, step: 0 });
  });

  it('retry: delivered and dropped deliveries are requeued too', async () => {
    const { store } = await backend.open();
    const [, dropped] = await enqueued(store, event(), event({ receivedAt: T0 + HOUR }));
    const delivered = await finish(store, 'crm', { next: 'delivered' });
    await store.operator.dropBacklog('crm', T0 + 2 * MINUTE);
    const droppedId = (await deliveryTo(store, dropped!.id, 'crm')).id;
    expect(await store.operator.retry(delivered, NOW)).toBe('requeued');
    expect(await store.operator.retry(droppedId, NOW)).toBe('requeued');
    expect(await unfinished(store)).toEqual({ crm: 2 });
  });

  it('retry: a pending delivery is made due now; one in flight or unknown is left alone', async () => {
    const { store } = await backend.open();
    await enqueued(store, event(), event({ receivedAt: T0 + 1 }));
    const waiting = await claimedOne(store, 'crm', T0);
    await complete(store, waiting, { next: 'retry', at: T0 + 3 * HOUR }, T0 + 1, attempt(T0, 503));
    const flying = await claimedOne(store, 'crm', T0 + 1);

    expect(await store.operator.retry(waiting.id, NOW)).toBe('made_due');
    expect(await detail(store, waiting.id)).toMatchObject({ state: 'pending', nextAttemptAt: NOW, step: 1 });
    expect(await store.operator.retry(flying.id, NOW)).toBeUndefined();
    expect((await detail(store, flying.id)).state).toBe('in_flight');
    expect(await complete(store, flying, { next: 'delivered' }, NOW)).toBe(true);
    expect(await store.operator.retry(flying.id + 1000, NOW)).toBeUndefined();
    expect(await claimed(store, 'crm', NOW)).toMatchObject([{ id: waiting.id }]);
  });

  it('replay: dead or delivered deliveries of one endpoint since a time go back to pending', async () => {
    const { store } = await backend.open();
    const [early, late, ok] = await enqueued(
      store,
      event({ endpoints: ['crm', 'erp'] }),
      event({ receivedAt: T0 + 10 }),
      event({ receivedAt: T0 + 20 }),
      event({ receivedAt: T0 + 30 }),
    );
    for (const next of [{ next: 'dead' }, { next: 'dead' }, { next: 'delivered' }] as const) {
      await finish(store, 'crm', next);
    }
    await finish(store, 'erp', { next: 'dead' });

    expect(await store.operator.replay(replay({ dryRun: true }), NOW)).toEqual({ matched: 2, requeued: 0 });
    expect(await store.reads.deadCounts()).toEqual(
      new Map([
        ['crm', 2],
        ['erp', 1],
      ]),
    );
    expect(await store.operator.replay(replay({ since: T0 + 5 }), NOW)).toEqual({ matched: 1, requeued: 1 });
    expect(await deliveryTo(store, late!.id, 'crm')).toMatchObject({
      state: 'pending',
      step: 0,
      createdAt: NOW,
    });
    expect((await deliveryTo(store, early!.id, 'crm')).state).toBe('dead');
    expect(await store.operator.replay(replay({ state: 'delivered' }), NOW)).toEqual({
      matched: 1,
      requeued: 1,
    });
    expect((await deliveryTo(store, ok!.id, 'crm')).state).toBe('pending');
    expect((await deliveryTo(store, early!.id, 'erp')).state).toBe('dead');
    expect(await unfinished(store)).toEqual({ crm: 3 });
  });

  it('replay: `limit` caps what is requeued while `matched` counts every candidate', async () => {
    const { store } = await backend.open();
    await enqueued(store, event(), event({ receivedAt: T0 + 1 }), event({ receivedAt: T0 + 2 }));
    for (let i = 0; i < 3; i++) await finish(store, 'crm', { next: 'dead' });
    expect(await store.operator.replay(replay({ limit: 2 }), NOW)).toEqual({ matched: 3, requeued: 2 });
    expect(await store.reads.deadCounts()).toEqual(new Map([['crm', 1]]));
    expect(await store.operator.replay(replay({ limit: 2 }), NOW)).toEqual({ matched: 1, requeued: 1 });
  });
});

describe.each(backends)('$name store: backfill', (backend) => {
  it('adds one pending delivery per event that has none to the endpoint, once', async () => {
    const { store } = await backend.open();
    const [routed, unrouted] = await enqueued(store, event(), event({ endpoints: [] }));
    const ids = [routed!.id, unrouted!.id];
    expect(await store.operator.addDeliveries('erp', ids, NOW)).toBe(2);
    expect(await store.operator.addDeliveries('erp', ids, NOW)).toBe(0);
    expect(await store.operator.addDeliveries('crm', ids, NOW)).toBe(1);
    expect(await deliveryTo(store, unrouted!.id, 'erp')).toMatchObject({
      state: 'pending',
      attempts: 0,
      createdAt: NOW,
      nextAttemptAt: NOW,
    });
    expect(await unfinished(store)).toEqual({ crm: 2, erp: 2 });
    expect(await claimed(store, 'erp', NOW)).toHaveLength(2);
  });

  it('creates nothing for an event it does not hold (pruned meanwhile, or never stored)', async () => {
    const { store } = await backend.open();
    const [gone] = await enqueued(store, event({ endpoints: [] }));
    await store.prune(T0 + 1, T0 + 1);
    expect(await store.operator.addDeliveries('erp', [gone!.id, 'evt_never'], NOW)).toBe(0);
    expect(await unfinished(store)).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import type { EventFilter, EventSummary } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import {
  attempt,
  claimedOne,
  complete,
  deliveryTo,
  enqueued,
  event,
  eventFilter,
  HOUR,
  MINUTE,
  T0,
} from './fixtures.ts';

const ids = (page: EventSummary[]) => page.map((e) => e.id);

describe.each(backends)('$name store: endpoint states', (backend) => {
  it('keeps the last state set per endpoint, with when, across a reopen', async () => {
    const opened = await backend.open();
    expect(await opened.store.endpointStates()).toEqual(new Map());
    await opened.store.setEndpointState('crm', 'paused', T0, 'maintenance');
    await opened.store.setEndpointState('erp', 'disabled', T0 + 1, '410 Gone');
    await opened.store.setEndpointState('crm', 'active', T0 + 2, undefined);
    const store = await opened.reopen();
    expect(await store.endpointStates()).toEqual(
      new Map([
        ['crm', { state: 'active', changedAt: T0 + 2 }],
        ['erp', { state: 'disabled', changedAt: T0 + 1 }],
      ]),
    );
  });
});

describe.each(backends)('$name store: oldest unfinished', (backend) => {
  it('is when the oldest pending or in-flight delivery of each asked endpoint was created', async () => {
    const { store } = await backend.open();
    await enqueued(
      store,
      event({ receivedAt: T0, endpoints: ['crm', 'erp'] }),
      event({ receivedAt: T0 + MINUTE }),
      event({ receivedAt: T0 + 2 * MINUTE, endpoints: ['billing'] }),
    );
    const first = await claimedOne(store, 'erp', T0);
    expect(await store.oldestUnfinished(['crm', 'erp', 'idle'])).toEqual(
      new Map([
        ['crm', T0],
        ['erp', T0],
      ]),
    );
    await complete(store, first, { next: 'delivered' }, T0 + 1);
    const crm = await claimedOne(store, 'crm', T0, { fresh: 1 });
    await complete(store, crm, { next: 'dead' }, T0 + 1);
    expect(await store.oldestUnfinished(['crm', 'erp'])).toEqual(new Map([['crm', T0 + MINUTE]]));
  });

  it('counts a requeued or moved delivery from when it started over, not from its first creation', async () => {
    const { store } = await backend.open();
    const [old] = await enqueued(
      store,
      event({ receivedAt: T0, endpoints: ['crm', 'old'] }),
      event({ receivedAt: T0 + MINUTE, endpoints: ['new'] }),
      event({ receivedAt: T0 + 2 * MINUTE }),
    );
    const dead = await claimedOne(store, 'crm', T0, { fresh: 1 });
    await complete(store, dead, { next: 'dead' }, T0 + 1);
    expect(await store.operator.retry(dead.id, T0 + HOUR)).toBe('requeued');
    expect(await store.operator.moveBacklog('old', 'new', T0 + HOUR)).toEqual({ moved: 1, dropped: 0 });
    expect((await deliveryTo(store, old!.id, 'new')).createdAt).toBe(T0 + HOUR);
    expect(await store.oldestUnfinished(['crm', 'new'])).toEqual(
      new Map([
        ['crm', T0 + 2 * MINUTE],
        ['new', T0 + MINUTE],
      ]),
    );
  });
});

describe.each(backends)('$name store: event reads', (backend) => {
  it('lists events newest first with their deliveries, filtered by source, type, delivery state and endpoint', async () => {
    const { store } = await backend.open();
    const [a, b, c, d] = await enqueued(
      store,
      event({ id: 'evt_a', receivedAt: T0, endpoints: ['crm', 'erp'] }),
      event({ id: 'evt_b', receivedAt: T0 + 1, source: 'billing', type: 'invoice.paid', endpoints: ['erp'] }),
      event({ id: 'evt_c', receivedAt: T0 + 2, endpoints: [], body: Buffer.from('12345') }),
      event({ id: 'evt_d', receivedAt: T0 + 3, endpoints: ['crm'] }),
    );
    const delivered = await claimedOne(store, 'erp', T0, { fresh: 1 });
    await complete(store, delivered, { next: 'delivered' }, T0 + 5);
    const dead = await claimedOne(store, 'crm', T0, { fresh: 1 });
    await complete(store, dead, { next: 'dead' }, T0 + 5, attempt(T0, 400));

    const all = await store.reads.listEvents(eventFilter());
    expect(ids(all)).toEqual(['evt_d', 'evt_c', 'evt_b', 'evt_a']);
    expect(all[1]).toEqual({
      id: c!.id,
      source: 'shop',
      type: 'order.created',
      receivedAt: T0 + 2,
      contentType: 'application/json',
      size: 5,
      deliveries: [],
      heldBy: [],
    });
    expect(all[3]!.deliveries).toEqual([
      { id: dead.id, endpoint: 'crm', state: 'dead', attempts: 1 },
      { id: delivered.id, endpoint: 'erp', state: 'delivered', attempts: 1 },
    ]);

    expect(ids(await store.reads.listEvents(eventFilter({ since: T0 + 2 })))).toEqual(['evt_d', 'evt_c']);
    expect(ids(await store.reads.listEvents(eventFilter({ source: 'billing' })))).toEqual([b!.id]);
    expect(ids(await store.reads.listEvents(eventFilter({ type: 'order.created' })))).toEqual([
      'evt_d',
      'evt_c',
      'evt_a',
    ]);
    expect(ids(await store.reads.listEvents(eventFilter({ endpoint: 'crm' })))).toEqual([d!.id, a!.id]);
    expect(ids(await store.reads.listEvents(eventFilter({ state: 'delivered' })))).toEqual([a!.id]);
    expect(ids(await store.reads.listEvents(eventFilter({ state: 'pending' })))).toEqual([d!.id, b!.id]);
    // Both: one delivery in that state to that endpoint.
    expect(ids(await store.reads.listEvents(eventFilter({ state: 'dead', endpoint: 'crm' })))).toEqual([
      a!.id,
    ]);
    expect(await store.reads.listEvents(eventFilter({ state: 'dead', endpoint: 'erp' }))).toEqual([]);
    // A filtered page still carries every delivery of its events.
    const [onlyA] = await store.reads.listEvents(eventFilter({ state: 'dead' }));
    expect(onlyA?.deliveries.map((x) => x.endpoint)).toEqual(['crm', 'erp']);
  });

  it('pages newest first by keyset, events received in the same millisecond included, none twice', async () => {
    const { store } = await backend.open();
    const events = await enqueued(
      store,
      ...['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5'].map((id, i) =>
        event({ id, receivedAt: T0 + (i < 3 ? 0 : i) }),
      ),
    );
    const seen: string[] = [];
    let before: EventFilter['before'];
    for (let page = 0; page < 5; page++) {
      const rows = await store.reads.listEvents(eventFilter({ limit: 2, before }));
      if (rows.length === 0) break;
      seen.push(...ids(rows));
      const last = rows.at(-1)!;
      before = { receivedAt: last.receivedAt, id: last.id };
    }
    expect(seen).toEqual(['evt_5', 'evt_4', 'evt_3', 'evt_2', 'evt_1']);
    expect(events).toHaveLength(5);
  });

  it('reads events since a time oldest first, after a keyset position', async () => {
    const { store } = await backend.open();
    await enqueued(
      store,
      event({ id: 'evt_x', receivedAt: T0 - 1 }),
      event({ id: 'evt_b', receivedAt: T0 }),
      event({ id: 'evt_a', receivedAt: T0 }),
      event({ id: 'evt_c', receivedAt: T0 + 1, endpoints: [] }),
      event({ id: 'evt_d', receivedAt: T0 + 2 }),
    );
    const first = await store.reads.eventsSince(T0, undefined, 2);
    expect(first.map((e) => e.id)).toEqual(['evt_a', 'evt_b']);
    const next = await store.reads.eventsSince(T0, { receivedAt: T0, id: 'evt_b' }, 10);
    expect(next.map((e) => e.id)).toEqual(['evt_c', 'evt_d']);
    expect(next[0]).toMatchObject({ source: 'shop', receivedAt: T0 + 1, contentType: 'application/json' });
    expect(await store.reads.eventsSince(T0, { receivedAt: T0 + 2, id: 'evt_d' }, 10)).toEqual([]);
  });

  it('gives every delivery of an event with its whole attempt log, and one delivery by id', async () => {
    const { store } = await backend.open();
    const [e] = await enqueued(store, event({ endpoints: ['crm', 'erp'] }));
    const first = await claimedOne(store, 'crm', T0);
    await complete(store, first, { next: 'retry', at: T0 + MINUTE }, T0 + 1, attempt(T0, 502));
    const second = await claimedOne(store, 'crm', T0 + MINUTE);
    await complete(store, second, { next: 'delivered' }, T0 + MINUTE + 1, attempt(T0 + MINUTE, 200));

    const all = await store.reads.deliveriesOf(e!.id);
    expect(all.map((x) => [x.endpoint, x.state, x.attemptLog.length])).toEqual([
      ['crm', 'delivered', 2],
      ['erp', 'pending', 0],
    ]);
    expect(all[0]!.attemptLog).toEqual([
      {
        n: 1,
        startedAt: T0,
        durationMs: 25,
        status: 502,
        error: 'failed with 502',
        response: Buffer.from('answer 502'),
      },
      {
        n: 2,
        startedAt: T0 + MINUTE,
        durationMs: 25,
        status: 200,
        error: undefined,
        response: Buffer.from('answer 200'),
      },
    ]);
    expect(await store.reads.delivery(first.id)).toEqual(all[0]);
    expect(await store.reads.delivery(first.id + 1000)).toBeUndefined();
    expect(await store.reads.deliveriesOf('evt_unknown')).toEqual([]);
    expect(await store.reads.event('evt_unknown')).toBeUndefined();
  });
});

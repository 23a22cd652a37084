import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.ts';
import { backends } from './backends.ts';
import {
  attempt,
  claimed,
  claimedOne,
  complete,
  completion,
  deliveryTo,
  enqueued,
  event,
  eventFilter,
  HOUR,
  key,
  MINUTE,
  type Next,
  T0,
  unfinished,
} from './fixtures.ts';

/** Enqueues one event to crm and finishes its delivery at `at` with `next`; returns the delivery id. */
async function finished(store: Store, next: Next, at: number, receivedAt = T0): Promise<number> {
  const [e] = await enqueued(store, event({ receivedAt }));
  const leased = await claimed(store, 'crm', at);
  const d = leased.find((x) => x.eventId === e!.id)!;
  expect(await complete(store, d, next, at, attempt(at, 500))).toBe(true);
  return d.id;
}

describe.each(backends)('$name store: prune', (backend) => {
  it('removes finished deliveries that finished before the cutoff, with their attempts and their events', async () => {
    const { store } = await backend.open();
    const delivered = await finished(store, { next: 'delivered' }, T0 + MINUTE);
    const dead = await finished(store, { next: 'dead' }, T0 + 2 * MINUTE);
    const atCutoff = await finished(store, { next: 'delivered' }, T0 + 10 * MINUTE);
    const pruned = await store.prune(T0 + 10 * MINUTE, T0 + HOUR);
    expect(pruned).toMatchObject({ deliveries: 2, events: 2, keys: 0 });

    expect(await store.reads.delivery(delivered)).toBeUndefined();
    expect(await store.reads.delivery(dead)).toBeUndefined();
    expect(await store.reads.deadCounts()).toEqual(new Map());
    const kept = await store.reads.delivery(atCutoff);
    expect(kept?.attemptLog).toHaveLength(1);
    expect(await store.reads.event(kept!.eventId)).toBeDefined();
    expect(await store.prune(T0 + 10 * MINUTE, T0 + HOUR)).toMatchObject({ deliveries: 0, events: 0 });
  });

  it('never hands a pruned delivery’s id, nor its attempts, to a later delivery', async () => {
    const { store } = await backend.open();
    const gone = await finished(store, { next: 'dead' }, T0 + MINUTE);
    await store.prune(T0 + HOUR, T0 + HOUR);
    const [e] = await enqueued(store, event({ receivedAt: T0 + HOUR }));
    const [fresh] = await store.reads.deliveriesOf(e!.id);
    expect(fresh).toMatchObject({ attempts: 0, attemptLog: [] });
    expect(fresh!.id).toBeGreaterThan(gone);
    expect(await store.operator.addDeliveries('erp', [e!.id], T0 + HOUR)).toBe(1);
    expect((await deliveryTo(store, e!.id, 'erp')).id).toBeGreaterThan(fresh!.id);
  });

  it('keeps an event while any of its deliveries remains', async () => {
    const { store } = await backend.open();
    const [e] = await enqueued(store, event({ endpoints: ['crm', 'erp'] }));
    const d = await claimedOne(store, 'crm', T0);
    await complete(store, d, { next: 'delivered' }, T0 + 1);
    expect(await store.prune(T0 + HOUR, T0 + HOUR)).toMatchObject({ deliveries: 1, events: 0 });
    expect(await store.reads.event(e!.id)).toBeDefined();
    expect((await store.reads.deliveriesOf(e!.id)).map((x) => x.endpoint)).toEqual(['erp']);
  });

  it('never prunes pending or in-flight work, however old', async () => {
    const { store } = await backend.open();
    await enqueued(store, event(), event(), event());
    const [inFlight, retrying] = await claimed(store, 'crm', T0, { fresh: 2 });
    await complete(store, retrying!, { next: 'retry', at: T0 + MINUTE }, T0 + 1, attempt(T0, 503));
    expect(inFlight).toBeDefined();

    const far = T0 + 1000 * HOUR;
    expect(await store.prune(far, far)).toMatchObject({ deliveries: 0, events: 0 });
    expect(await unfinished(store)).toEqual({ crm: 3 });
    expect(await store.recover(far)).toBe(1);
    expect(await claimed(store, 'crm', far)).toHaveLength(3);
  });

  it('removes events routed nowhere once received before the cutoff', async () => {
    const { store } = await backend.open();
    const [old, recent] = await enqueued(
      store,
      event({ endpoints: [] }),
      event({ endpoints: [], receivedAt: T0 + 2 * HOUR }),
    );
    expect(await store.prune(T0 + HOUR, T0 + 3 * HOUR)).toMatchObject({ deliveries: 0, events: 1 });
    expect(await store.reads.event(old!.id)).toBeUndefined();
    expect(await store.reads.event(recent!.id)).toBeDefined();
    // A later pass with a later cutoff still finds the one it kept.
    expect(await store.prune(T0 + 3 * HOUR, T0 + 3 * HOUR)).toMatchObject({ events: 1 });
    expect(await store.reads.event(recent!.id)).toBeUndefined();
  });

  it('removes expired idempotency keys and keeps live ones working', async () => {
    const { store } = await backend.open();
    const live = event({ idempotency: key('live', T0 + 2 * HOUR) });
    await enqueued(store, event({ idempotency: key('expired', T0 + HOUR) }), live);
    expect(await store.prune(T0, T0 + HOUR)).toMatchObject({ keys: 1 });
    expect(await store.prune(T0, T0 + HOUR)).toMatchObject({ keys: 0 });
    const again = event({ receivedAt: T0 + HOUR, idempotency: key('live', T0 + 3 * HOUR) });
    expect(await store.enqueue(again)).toEqual({ duplicateOf: live.id });
  });

  it('finishes a pass larger than one batch in one call', async () => {
    const { store } = await backend.open();
    const many = Array.from({ length: 1_200 }, () => event());
    await Promise.all(many.map((e) => store.enqueue(e)));
    const leased = await claimed(store, 'crm', T0, { fresh: 1_200, retries: 0 });
    expect(leased).toHaveLength(1_200);
    const answers = await store.complete(
      leased.map((d) => completion(d, { next: 'delivered' })),
      T0 + 1,
    );
    expect(answers.every(Boolean)).toBe(true);
    expect(await store.prune(T0 + HOUR, T0 + HOUR)).toMatchObject({ deliveries: 1_200, events: 1_200 });
    expect(await store.reads.listEvents(eventFilter())).toEqual([]);
  });
});

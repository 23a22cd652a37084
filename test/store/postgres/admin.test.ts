import { describe, expect, it } from 'vitest';
import { freshPostgresDatabase } from '../../helpers/postgres.ts';
import { event, openStore } from './helpers.ts';

const NOW = 1_700_000_000_000;

async function storeWith(count: number) {
  const { url } = await freshPostgresDatabase();
  const store = await openStore(url);
  await store.cluster.renew(['crm', 'erp'], NOW);
  const events = Array.from({ length: count }, (_, i) =>
    event({ receivedAt: NOW + i, endpoints: ['crm', 'erp'] }),
  );
  for (const e of events) await store.enqueue(e);
  return { store, events };
}

describe('PostgreSQL store: admin reads, operator writes, retention', () => {
  it('pages events newest first with their deliveries, filtered', async () => {
    const { store, events } = await storeWith(5);
    const filter = {
      since: 0,
      source: undefined,
      type: undefined,
      state: undefined,
      endpoint: undefined,
      limit: 2,
    };
    const first = await store.reads.listEvents({ ...filter, before: undefined });
    expect(first.map((e) => e.id)).toEqual([events[4]!.id, events[3]!.id]);
    expect(first[0]!.deliveries.map((d) => [d.endpoint, d.state])).toEqual([
      ['crm', 'pending'],
      ['erp', 'pending'],
    ]);
    expect(first[0]!.size).toBe(events[4]!.body.length);
    const second = await store.reads.listEvents({
      ...filter,
      before: { receivedAt: NOW + 3, id: events[3]!.id },
    });
    expect(second.map((e) => e.id)).toEqual([events[2]!.id, events[1]!.id]);
    expect(await store.reads.listEvents({ ...filter, before: undefined, state: 'dead' })).toEqual([]);
    const since = await store.reads.eventsSince(NOW + 1, { receivedAt: NOW + 2, id: events[2]!.id }, 10);
    expect(since.map((e) => e.id)).toEqual([events[3]!.id, events[4]!.id]);
    const deliveries = await store.reads.deliveriesOf(events[0]!.id);
    expect(deliveries.map((d) => d.endpoint)).toEqual(['crm', 'erp']);
  });

  it('retries, replays, moves and drops in batches', async () => {
    const { store, events } = await storeWith(3);
    const [claim] = await store.claim(
      [{ endpoint: 'crm', fresh: 3, retries: 0, leaseUntil: NOW + 60_000 }],
      NOW + 10,
    );
    const completions = claim!.fresh.map((d) => ({
      deliveryId: d.id,
      claim: d.claim,
      attempt: undefined,
      next: 'dead' as const,
    }));
    expect(await store.complete(completions, NOW + 10)).toEqual([true, true, true]);
    const dead = claim!.fresh[0]!.id;
    expect(await store.operator.retry(dead, NOW + 20)).toBe('requeued');
    expect(await store.operator.retry(dead, NOW + 21)).toBe('made_due');
    const replay = { endpoint: 'crm', state: 'dead' as const, since: 0, limit: 1, dryRun: false };
    expect(await store.operator.replay({ ...replay, dryRun: true }, NOW)).toEqual({
      matched: 2,
      requeued: 0,
    });
    expect(await store.operator.replay(replay, NOW)).toEqual({ matched: 2, requeued: 1 });
    expect(await store.operator.moveBacklog('erp', 'crm', NOW)).toEqual({ moved: 0, dropped: 3 });
    expect(await store.operator.addDeliveries('new', [events[0]!.id, events[1]!.id], NOW)).toBe(2);
    expect(await store.operator.addDeliveries('new', [events[0]!.id], NOW)).toBe(0);
    expect(await store.operator.moveBacklog('new', 'other', NOW)).toEqual({ moved: 2, dropped: 0 });
    expect(await store.operator.dropBacklog('other', NOW)).toBe(2);
    expect(await store.unfinishedCounts()).toEqual(new Map([['crm', 2]]));
    // Oldest by when each started over: the replayed one (at NOW) before the retried one (at NOW + 20).
    expect(await store.oldestUnfinished(['crm', 'erp'])).toEqual(new Map([['crm', NOW]]));
  });

  it('prunes finished deliveries, orphan events and expired keys, and keeps what is unfinished', async () => {
    const { url } = await freshPostgresDatabase();
    const store = await openStore(url);
    await store.cluster.renew(['crm'], NOW);
    const keyed = event({ idempotency: { key: 'k', expiresAt: NOW + 5 } });
    await store.enqueue(keyed);
    await store.enqueue(event({ endpoints: [] }));
    const pending = event();
    await store.enqueue(pending);
    const [claim] = await store.claim(
      [{ endpoint: 'crm', fresh: 1, retries: 0, leaseUntil: NOW + 60_000 }],
      NOW,
    );
    const [d] = claim!.fresh;
    await store.complete(
      [{ deliveryId: d!.id, claim: d!.claim, attempt: undefined, next: 'delivered' }],
      NOW + 1,
    );
    // Two relays' passes at once: one holds the advisory lock, the other skips its turn; nothing is done twice.
    const other = await openStore(url);
    const passes = await Promise.all([store.prune(NOW + 2, NOW + 10), other.prune(NOW + 2, NOW + 10)]);
    const sum = (key: 'deliveries' | 'events' | 'keys') => passes[0]![key] + passes[1]![key];
    expect([sum('deliveries'), sum('events'), sum('keys')]).toEqual([1, 2, 1]);
    expect(await store.reads.event(pending.id)).toBeDefined();
    expect(await store.prune(NOW + 2, NOW + 10)).toEqual({
      deliveries: 0,
      events: 0,
      keys: 0,
      counts: 0,
      pages: 0,
    });
  });
});

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ClaimAsk, ClaimedDelivery, Store, ThresholdGate } from '../../../src/store/store.ts';
import { event, twoRelays } from './helpers.ts';

const T = 1_700_000_000_000;
const DAY = 86_400_000;

function ask(options: Partial<ClaimAsk> = {}): ClaimAsk {
  return { endpoint: 'crm', fresh: 10, retries: 10, leaseUntil: T + 30_000, ordered: true, ...options };
}

async function claimed(store: Store, now: number): Promise<ClaimedDelivery[]> {
  const [claim] = await store.claim([ask()], now);
  return [...claim!.fresh, ...claim!.retries];
}

describe('thresholds and ordering with relays sharing one PostgreSQL', () => {
  it('counts one key ingested on two relays at once exactly: every count from 1 to 21 once', async () => {
    const { url, a, b } = await twoRelays();
    const gate: ThresholdGate = {
      route: 'bounces',
      key: '+1555',
      count: 10,
      within: DAY,
      once: true,
      endpoints: ['pager'],
    };
    const bounce = (i: number) => event({ receivedAt: T + i, endpoints: [], gates: [gate] });
    const events = Array.from({ length: 21 }, (_, i) => bounce(i));
    await a.enqueue(events[0]!);
    // Hold the key's row, so that both relays' statements start, take their snapshots and wait on it.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM threshold_counts WHERE key = '+1555' FOR UPDATE");
      // Each relay stores its ten in one statement; the two statements meet on the key's row.
      const pending = Promise.all(events.slice(1).map((e, i) => (i % 2 === 0 ? a : b).enqueue(e)));
      await waitersOnLocks(holder, 2);
      await holder.query('COMMIT');
      await pending;
    } finally {
      await holder.end();
    }
    const counts: number[] = [];
    for (const e of events) {
      const [hold] = await a.reads.holdsOf(e.id);
      counts.push(hold ? Number(/(\d+)(?: of 10)? within the window/.exec(hold.reason)![1]) : 10);
    }
    expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(await a.unfinishedCounts()).toEqual(new Map([['pager', 1]]));
  });

  it('never sends two of one key at once, even when an older one is requeued behind one in flight', async () => {
    const { a } = await twoRelays();
    await a.cluster.renew(['crm'], T);
    const [first, second] = [event({ orderKeys: { crm: 'k' } }), event({ orderKeys: { crm: 'k' } })];
    await a.enqueue(first!);
    await a.enqueue(second!);
    const [head] = await claimed(a, T + 1);
    const done = { claim: head!.claim, attempt: undefined, next: 'delivered' } as const;
    expect(await a.complete([{ deliveryId: head!.id, ...done }], T + 2)).toEqual([true]);
    const [next] = await claimed(a, T + 3);
    expect(next?.eventId).toBe(second!.id);
    // The first comes back while the second is in flight: it is the older, but it waits.
    expect(await a.operator.retry(head!.id, T + 4)).toBe('requeued');
    expect(await claimed(a, T + 5)).toEqual([]);
    const finished = {
      deliveryId: next!.id,
      claim: next!.claim,
      attempt: undefined,
      next: 'delivered',
    } as const;
    expect(await a.complete([finished], T + 6)).toEqual([true]);
    expect((await claimed(a, T + 7)).map((d) => d.id)).toEqual([head!.id]);
  });

  it('keeps a key in order across failover: the new owner sends the head the dead one had in flight', async () => {
    const { a, b } = await twoRelays();
    await a.cluster.renew(['crm'], T);
    const keyed = [1, 2].map(() => event({ orderKeys: { crm: 'k' } }));
    for (const e of keyed) await a.enqueue(e);
    const [head] = await claimed(a, T + 1);
    expect(head?.eventId).toBe(keyed[0]!.id);
    // `a` stops renewing; once its lease has run out `b` takes the endpoint, and the claim goes back to pending.
    const later = T + 60_000;
    expect((await b.cluster.renew(['crm'], later)).owned).toEqual(new Set(['crm']));
    const again = await claimed(b, later);
    expect(again.map((d) => d.id)).toEqual([head!.id]);
    const stale = {
      deliveryId: head!.id,
      claim: head!.claim,
      attempt: undefined,
      next: 'delivered',
    } as const;
    expect(await a.complete([stale], later)).toEqual([false]);
  });
});

/** Resolves once `n` other sessions of the database wait on a lock (checked every 20 ms, for at most 10 s). */
async function waitersOnLocks(client: pg.Client, n: number): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    if (rows[0]!.n >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${n} sessions waited on a lock within 10 s`);
}

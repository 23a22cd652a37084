import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { openStore } from '../../src/store/open.ts';
import type { ClaimedDelivery, Store } from '../../src/store/store.ts';
import { byBackend } from '../helpers/backend.ts';
import { claimsHeldBack, dispatcherOn, recordingClaims } from '../helpers/dispatcher.ts';
import { testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';

/** What ingest does with one event: reserve, store, hand over. Returns what the store stored claimed. */
async function ingest(dispatcher: Dispatcher, store: Store, id: string): Promise<ClaimedDelivery[]> {
  const lease = dispatcher.handoff.reserve(['crm']);
  const result = await store.enqueue({
    id,
    source: 'app',
    type: 'message',
    receivedAt: systemClock.now(),
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify({ id })),
    endpoints: ['crm'],
    idempotency: undefined,
    ...(lease ? { lease } : {}),
  });
  if (result.duplicateOf !== undefined) throw new Error(`${id} taken for a duplicate`);
  dispatcher.handoff.stored(lease, result.endpoints, result.leased);
  return result.leased;
}

async function setUp(url: string, concurrency: number) {
  const config = testConfig(`
sources: { app: {} }
endpoints: { crm: { url: "${url}/crm", concurrency: ${concurrency} } }
routes: [{ from: [app], to: [crm] }]
`);
  const store = await openStore(config, { minFreeDisk: () => 0 });
  // On PostgreSQL claims are taken under a lease held: hold it, as the relay's renewal would.
  await store.cluster.renew(['crm'], systemClock.now());
  const asked: string[] = [];
  const held = claimsHeldBack(recordingClaims(store, asked));
  // Held back by nothing: only to know when the dispatcher has the start-up claim's answer.
  const startup = held.holdNext(Promise.resolve());
  const dispatcher = await dispatcherOn(config, held.store);
  return { store, asked, dispatcher, startupClaimed: startup.answered };
}

describe('fresh deliveries handed to their lane at commit', () => {
  it('go out with no claim while the lane has a free slot and nothing waits in the store', async () => {
    const target = await startTarget(() => ({ status: 200 }));
    const { store, asked, dispatcher } = await setUp(target.url, 4);
    const settled = watchSettled();
    try {
      // The start-up claim finds nothing: from then on the lane knows the store holds nothing for it.
      await ingest(dispatcher, store, 'evt_warm');
      await settled.next({ eventId: 'evt_warm', applied: true });
      const claimsBefore = asked.length;
      let leased = 0;
      for (let i = 0; i < 5; i++) {
        leased += (await ingest(dispatcher, store, `evt_fresh_${i}`)).length;
        await settled.next({ eventId: `evt_fresh_${i}`, applied: true });
      }
      expect(leased).toBe(byBackend({ sqlite: 5, postgres: 0 }));
      // Each delivery the store did not hand back claimed needed a claim; the others none.
      expect(asked.length - claimsBefore).toBe(byBackend({ sqlite: 0, postgres: 5 }));
      expect(target.requests).toHaveLength(6);
      for (let i = 0; i < 5; i++) {
        const [delivery] = await store.reads.deliveriesOf(`evt_fresh_${i}`);
        expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 });
        expect(delivery?.attemptLog.map((a) => a.status)).toEqual([200]);
      }
    } finally {
      await dispatcher.stop(1_000);
      await store.close();
    }
  });

  it('wait in the store while the lane is full, and are claimed once a slot frees', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const { store, dispatcher } = await setUp(target.url, 1);
    try {
      await ingest(dispatcher, store, 'evt_first');
      await target.waitFor(1);
      // The one slot is taken: nothing is reserved, the delivery is stored pending.
      expect(dispatcher.handoff.reserve(['crm'])).toBeUndefined();
      expect(await ingest(dispatcher, store, 'evt_second')).toEqual([]);
      expect((await store.reads.deliveriesOf('evt_second'))[0]?.state).toBe('pending');
      target.script = () => ({ status: 200 });
      target.releaseHeld(200);
      await target.waitFor(2);
      expect(target.requests.map((r) => JSON.parse(r.body.toString()).id)).toEqual([
        'evt_first',
        'evt_second',
      ]);
      expect(target.maxInFlight).toBe(1);
    } finally {
      await dispatcher.stop(1_000);
      await store.close();
    }
  });

  it('paused between reserve and commit: the delivery stored claimed goes back to pending, sent once resumed', async () => {
    const target = await startTarget(() => ({ status: 200 }));
    const { store, dispatcher, startupClaimed } = await setUp(target.url, 4);
    const settled = watchSettled();
    try {
      // Once the start-up claim has found nothing, the warm event goes out with no claim after it.
      await startupClaimed;
      await ingest(dispatcher, store, 'evt_warm');
      await settled.next({ eventId: 'evt_warm', applied: true });
      const lease = dispatcher.handoff.reserve(['crm']);
      expect(lease?.endpoints).toEqual(['crm']);
      await dispatcher.changeState('crm', 'pause');
      const result = await store.enqueue({
        id: 'evt_paused',
        source: 'app',
        type: 'message',
        receivedAt: systemClock.now(),
        contentType: 'application/json',
        body: Buffer.from('{"id":"evt_paused"}'),
        endpoints: ['crm'],
        idempotency: undefined,
        ...(lease ? { lease } : {}),
      });
      if (result.duplicateOf !== undefined) throw new Error('taken for a duplicate');
      dispatcher.handoff.stored(lease, result.endpoints, result.leased);
      expect(dispatcher.queueCounts('crm')).toEqual({ pending: 1, inFlight: 0 });
      await dispatcher.changeState('crm', 'resume');
      await settled.next({ eventId: 'evt_paused', applied: true });
      expect(target.requests.map((r) => r.path)).toEqual(['/crm', '/crm']);
      const [delivery] = await store.reads.deliveriesOf('evt_paused');
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 });
    } finally {
      await dispatcher.stop(1_000);
      await store.close();
    }
  });
});

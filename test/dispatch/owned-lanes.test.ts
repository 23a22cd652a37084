import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { openStore } from '../../src/store/open.ts';
import { dispatcherOn, recordingClaims } from '../helpers/dispatcher.ts';
import { testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

describe('a dispatcher sharing its store with other relays', () => {
  it('claims only for the endpoints it holds, and for one it gains once woken', async () => {
    const target = await startTarget(() => ({ status: 200 }));
    const config = testConfig(`
sources: { app: {} }
endpoints:
  mine: { url: "${target.url}/mine" }
  theirs: { url: "${target.url}/theirs" }
routes: [{ from: [app], to: [mine, theirs] }]
`);
    const store = await openStore(config, { minFreeDisk: () => 0 });
    const asked: string[] = [];
    const dispatcher = await dispatcherOn(config, recordingClaims(store, asked));
    dispatcher.own(new Set(['mine']));
    try {
      const now = systemClock.now();
      // On PostgreSQL the store claims only under leases held: hold both, so only the dispatcher chooses.
      await store.cluster.renew(['mine', 'theirs'], now);
      const stored = await store.enqueue({
        id: 'evt_owned_lanes',
        source: 'app',
        type: 'message',
        receivedAt: now,
        contentType: 'application/json',
        body: Buffer.from('{}'),
        endpoints: ['mine', 'theirs'],
        idempotency: undefined,
      });
      expect(stored.duplicateOf).toBeUndefined();
      dispatcher.added('mine');
      dispatcher.added('theirs');
      await target.waitFor(1, 10_000, (r) => r.path === '/mine');
      expect(asked).not.toContain('theirs');
      expect(target.requests.filter((r) => r.path === '/theirs')).toEqual([]);

      // Its lease moved here: the owner wakes the lane it gained.
      dispatcher.own(new Set(['mine', 'theirs']));
      dispatcher.added('theirs', 0);
      await target.waitFor(1, 10_000, (r) => r.path === '/theirs');
      expect(asked).toContain('theirs');
    } finally {
      await dispatcher.stop(1_000);
      await store.close();
    }
  });

  it('takes the states another relay stored, but not a read from before its own later change', async () => {
    const config = testConfig(`
sources: { app: {} }
endpoints: { crm: { url: "http://127.0.0.1:9/crm" } }
routes: [{ from: [app], to: [crm] }]
`);
    const store = await openStore(config, { minFreeDisk: () => 0 });
    const staleRead = await store.endpointStates();
    const dispatcher = await dispatcherOn(config, store);
    try {
      expect(await dispatcher.changeState('crm', 'pause')).toEqual({ from: 'active', to: 'paused' });
      // Read before the pause was stored, answered after it: the pause stands.
      dispatcher.applyStates(staleRead);
      expect(dispatcher.lane('crm')?.state).toBe('paused');
      // Another relay's resume, stored later, is taken.
      const later = systemClock.now() + 1_000;
      dispatcher.applyStates(new Map([['crm', { state: 'active', changedAt: later }]]));
      expect(dispatcher.lane('crm')?.state).toBe('active');
    } finally {
      await dispatcher.stop(1_000);
      await store.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { BackgroundFailures, createLogger } from '../../src/log.ts';
import { RelayMetrics } from '../../src/metrics.ts';
import { Backlog } from '../../src/store/backlog.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

/** The real store, with every endpoint a claim asked for written down. */
function recordingClaims(store: Store, asked: string[]): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'claim') {
        return (asks: Parameters<Store['claim']>[0], now: number) => {
          asked.push(...asks.map((ask) => ask.endpoint));
          return target.claim(asks, now);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function dispatcherOn(config: RelayConfig, store: Store): Promise<Dispatcher> {
  const log = createLogger('silent');
  return new Dispatcher(config, await store.endpointStates(), {
    store,
    backlog: new Backlog(),
    metrics: new RelayMetrics(),
    clock: systemClock,
    log,
    failures: new BackgroundFailures(log, () => {}),
    userAgent: 'relay-test',
  });
}

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

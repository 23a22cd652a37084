import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { dispatcherOn } from '../helpers/dispatcher.ts';
import { testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';

/** The real store, recording the endpoints and the `deferrable` option of every completion batch. */
function recordingCompletions(store: Store, batches: { endpoints: string[]; deferrable: boolean }[]): Store {
  const endpointOf = new Map<number, string>();
  return new Proxy(store, {
    get(target, key) {
      if (key === 'claim') {
        return async (...args: Parameters<Store['claim']>) => {
          const claims = await target.claim(...args);
          for (const claim of claims) {
            for (const d of [...claim.fresh, ...claim.retries]) endpointOf.set(d.id, claim.endpoint);
          }
          return claims;
        };
      }
      if (key === 'complete') {
        return (...args: Parameters<Store['complete']>) => {
          const [completions, , options] = args;
          batches.push({
            endpoints: completions.map((c) => endpointOf.get(c.deliveryId) ?? '?'),
            deferrable: options?.deferrable === true,
          });
          return target.complete(...args);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function store(dispatcher: Dispatcher, on: Store, id: string, endpoint: string): Promise<void> {
  await on.enqueue({
    id,
    source: 'app',
    type: 'message',
    receivedAt: systemClock.now(),
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify({ id, handle: 'h1' })),
    endpoints: [endpoint],
    ...(endpoint === 'ordered' ? { orderKeys: { ordered: 'h1' } } : {}),
    idempotency: undefined,
  });
  dispatcher.handoff.stored(undefined, [endpoint], []);
}

describe('completions that nothing waits for', () => {
  it('are written deferrable only when delivered on an unordered endpoint, whose slot is free already', async () => {
    const target = await startTarget((r) => ({ status: r.path.startsWith('/failing') ? 503 : 200 }));
    const config = testConfig(`
sources: { app: {} }
endpoints:
  crm: { url: "${target.url}/crm" }
  failing: { url: "${target.url}/failing", retry: { schedule: [1h] } }
  ordered: { url: "${target.url}/ordered", ordering: { key: handle } }
routes: [{ from: [app], to: [crm] }]
`);
    const opened = await openStore(config, { minFreeDisk: () => 0 });
    await opened.cluster.renew(['crm', 'failing', 'ordered'], systemClock.now());
    const batches: { endpoints: string[]; deferrable: boolean }[] = [];
    const recording = recordingCompletions(opened, batches);
    const dispatcher = await dispatcherOn(config, recording);
    const settled = watchSettled();
    try {
      for (const endpoint of ['crm', 'failing', 'ordered']) {
        await store(dispatcher, recording, `evt_${endpoint}`, endpoint);
        await settled.next({ eventId: `evt_${endpoint}`, applied: true });
      }
      expect(batches).toEqual([
        { endpoints: ['crm'], deferrable: true },
        { endpoints: ['failing'], deferrable: false },
        { endpoints: ['ordered'], deferrable: false },
      ]);
      const [crm] = await opened.reads.deliveriesOf('evt_crm');
      expect(crm).toMatchObject({ state: 'delivered', attempts: 1 });
    } finally {
      await dispatcher.stop(1_000);
      await opened.close();
    }
  });
});

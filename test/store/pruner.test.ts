import { describe, expect, it } from 'vitest';
import { api, listDeliveries } from '../admin/api.ts';
import { ManualClock } from '../helpers/clock.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { pauseEndpoints } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';

describe('retention', () => {
  it('prunes finished deliveries, their attempts and emptied events, never pending work', async () => {
    const target = await startTarget();
    const config = testConfig(`
storage: { retention: 1s, dedup_window: 1s }
sources: { app: { type: { field: type }, id: { field: key } } }
endpoints:
  ok: { url: "${target.url}/ok" }
  stuck: { url: "${target.url}/stuck" }
routes:
  - { from: [app], types: [a], to: [ok] }
  - { from: [app], types: [b], to: [ok, stuck] }
`);
    // `stuck` is paused: its deliveries stay pending, and pending work is never pruned.
    await pauseEndpoints(config, ['stuck']);
    const clock = new ManualClock(Date.now());
    const relay = await startTestRelay(config, clock);
    const outcomes = watchSettled();
    const send = async (type: string, key: string) => {
      const res = await post(`${relay.ingestUrl}/in/app`, JSON.stringify({ type, key }));
      expect(res.status).toBe(200);
      return res.json() as { id: string; duplicate?: boolean };
    };
    /** What the admin API shows: events, deliveries per endpoint and state, attempts made. */
    const stored = async () => {
      const deliveries = await listDeliveries(relay.adminUrl);
      const groups = new Map<string, number>();
      for (const d of deliveries)
        groups.set(`${d.endpoint} ${d.state}`, (groups.get(`${d.endpoint} ${d.state}`) ?? 0) + 1);
      const events = (await api(relay.adminUrl, '/admin/events?limit=500')).json.events as unknown[];
      return {
        events: events.length,
        deliveries: Object.fromEntries([...groups].sort()),
        attempts: deliveries.reduce((sum, d) => sum + d.attempt_count, 0),
      };
    };

    for (let i = 0; i < 10; i++) await send('a', `a${i}`);
    for (let i = 0; i < 5; i++) await send('b', `b${i}`);
    await target.waitFor(15);
    await outcomes.until(15, { endpoint: 'ok', settlement: { kind: 'delivered' }, applied: true });
    expect(await stored()).toEqual({
      events: 15,
      deliveries: { 'ok delivered': 15, 'stuck pending': 5 },
      attempts: 15,
    });
    // The idempotency keys are kept within the window: a repeat is answered as a duplicate.
    expect(await send('a', 'a0')).toMatchObject({ duplicate: true });

    // Not yet past retention: nothing goes.
    expect(await relay.pruneNow()).toMatchObject({ deliveries: 0, events: 0, keys: 0 });
    clock.advance(2_000);
    const pruned = await relay.pruneNow();
    expect(pruned).toMatchObject({ deliveries: 15, events: 10, keys: 15 });
    expect(await stored()).toEqual({ events: 5, deliveries: { 'stuck pending': 5 }, attempts: 0 });
    // Nothing prunable is left behind (every key had expired).
    expect(await relay.pruneNow()).toMatchObject({ deliveries: 0, events: 0, keys: 0 });
  });
});

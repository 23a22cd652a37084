import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRelay } from '../../src/main.ts';
import { api } from '../admin/api.ts';
import { ManualClock } from '../helpers/clock.ts';
import { post, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { withStore } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';

const HOUR = 3_600_000;

describe('a schedule of hours, with the clock replaced', () => {
  it('is followed step by step, across a restart in the middle of it', async () => {
    const target = await startTarget((request) => (request.n < 4 ? { status: 500 } : { status: 200 }));
    const probes = await startTarget();
    // `probe` events go to their own endpoint: a barrier for "hook was not due yet".
    const config = testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  hook:
    url: "${target.url}/hook"
    retry: { schedule: [1h, 2h, 4h], jitter: 0, max_age: 1d }
  probe: { url: "${probes.url}/probe" }
routes:
  - { from: [app], types: [t], to: [hook] }
  - { from: [app], types: [probe], to: [probe] }
`);
    const clock = new ManualClock();
    const start = clock.now();
    const log = createLogger('silent');
    const outcomes = watchSettled();
    const send = async (type: string) =>
      ((await post(`${relay.ingestUrl}/in/app`, JSON.stringify({ type }))).json() as { id: string }).id;
    /** The hook delivery as the admin API shows it. */
    const delivery = async () => (await api(relay.adminUrl, `/admin/events/${id}`)).json.deliveries[0];
    const stored = async () => (await withStore(config, (store) => store.reads.deliveriesOf(id)))[0];
    const retriedAt = async (at: number) => {
      await outcomes.next({ eventId: id, settlement: { kind: 'retry', at }, applied: true });
      return delivery();
    };

    let relay = await startRelay(config, { clock, log });
    const id = await send('t');
    await target.waitFor(1);
    expect(await retriedAt(start + HOUR)).toMatchObject({
      state: 'pending',
      attempt_count: 1,
      next_attempt_at: new Date(start + HOUR).toISOString(),
    });

    // Just short of the hour nothing is due. A probe event sent after the
    // wake-up is claimed after hook's look at its work: once the probe is
    // delivered, a hook delivery taken early would be in flight.
    clock.advance(HOUR - 1);
    relay.wake();
    const probe = await send('probe');
    await outcomes.next({ eventId: probe, endpoint: 'probe', settlement: { kind: 'delivered' } });
    expect(target.requests).toHaveLength(1);
    expect(await delivery()).toMatchObject({ state: 'pending', attempt_count: 1 });

    clock.advance(1);
    relay.wake();
    await target.waitFor(2);
    expect(await retriedAt(start + 3 * HOUR)).toMatchObject({
      state: 'pending',
      attempt_count: 2,
      next_attempt_at: new Date(start + 3 * HOUR).toISOString(),
    });

    // Restart in the middle of the schedule: the next step is read back from the database.
    await relay.close();
    expect(await stored()).toMatchObject({
      state: 'pending',
      attempts: 2,
      step: 2,
      nextAttemptAt: start + 3 * HOUR,
    });
    relay = await startRelay(config, { clock, log });
    clock.advance(2 * HOUR);
    relay.wake();
    await target.waitFor(3);
    expect(await retriedAt(start + 7 * HOUR)).toMatchObject({
      attempt_count: 3,
      next_attempt_at: new Date(start + 7 * HOUR).toISOString(),
    });

    clock.advance(4 * HOUR);
    relay.wake();
    await target.waitFor(4);
    await outcomes.next({ eventId: id, settlement: { kind: 'delivered' }, applied: true });
    await relay.close();
    expect(await stored()).toMatchObject({ state: 'delivered', attempts: 4, step: 3 });
    expect(target.requests.map((r) => r.headers['x-relay-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(target.requests.map((r) => Number(r.headers['webhook-timestamp']) * 1000 - start)).toEqual([
      0,
      HOUR,
      3 * HOUR,
      7 * HOUR,
    ]);
  });
});

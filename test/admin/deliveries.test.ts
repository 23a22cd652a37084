import { describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/clock.ts';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { allDeliveries, withStore } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';
import { api, listDeliveries, post } from './api.ts';

async function relayTo(targetUrl: string, clock?: ManualClock) {
  const config = testConfig(`
sources:
  app: { type: { field: type } }
endpoints:
  hook: { url: "${targetUrl}/hook", retry: { schedule: [20ms], jitter: 0 } }
routes:
  - { from: [app], to: [hook] }
`);
  const relay = await startTestRelay(config, clock);
  const send = async (n: number) => {
    const res = await ingest(`${relay.ingestUrl}/in/app`, JSON.stringify({ type: 'e', n }));
    return (res.json() as { id: string }).id;
  };
  const outcomes = watchSettled();
  const rows = () => listDeliveries(relay.adminUrl);
  /** Resolves once `n` outcomes of this kind were recorded since the relay started. */
  const settled = (kind: 'delivered' | 'dead' | 'retry', n: number) =>
    outcomes.until(n, { settlement: { kind }, applied: true });
  const depth = async () => (await api(relay.adminUrl, '/admin/endpoints/hook')).json.pending as number;
  /** Stops the relay and reads every delivery back through the Store (the admin API does not show `step`). */
  const stored = async () => {
    await relay.close();
    return withStore(config, allDeliveries);
  };
  return { relay, send, rows, settled, depth, stored };
}

describe('admin retry', () => {
  it('sends a delivered delivery again with the same webhook-id and a counting attempt', async () => {
    const target = await startTarget();
    const { relay, send, rows, settled, stored } = await relayTo(target.url);
    const id = await send(1);
    await settled('delivered', 1);
    const [delivery] = await rows();
    const res = await post(relay.adminUrl, `/admin/deliveries/${delivery!.id}/retry`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      action: 'requeued',
      endpoint_state: 'active',
      delivery: { id: delivery!.id },
    });
    const [, again] = await target.waitFor(2);
    expect(again!.headers['webhook-id']).toBe(id);
    expect(again!.headers['x-relay-attempt']).toBe('2');
    await settled('delivered', 2);
    expect(await stored()).toMatchObject([{ state: 'delivered', attempts: 2, step: 0 }]);
  });

  it('makes a pending retry due now, and keeps the queue depth right', async () => {
    const target = await startTarget((r) => (r.n === 1 ? { status: 500 } : { status: 200 }));
    const clock = new ManualClock();
    const { relay, send, rows, settled, depth } = await relayTo(target.url, clock);
    await send(1);
    await target.waitFor(1);
    // The retry is due 20 ms later on a clock that does not move: only the operator can make it due.
    await settled('retry', 1);
    const [delivery] = await rows();
    expect(delivery).toMatchObject({ state: 'pending', attempt_count: 1 });
    expect(await depth()).toBe(1);
    const res = await post(relay.adminUrl, `/admin/deliveries/${delivery!.id}/retry`);
    expect(res.json.action).toBe('made_due');
    await target.waitFor(2);
    await settled('delivered', 1);
    expect(await depth()).toBe(0);
  });
});

describe('admin replay', () => {
  it('requeues dead deliveries to a target that has come back, after a dry run that only counts', async () => {
    let down = true;
    const target = await startTarget(() => (down ? { status: 503 } : { status: 200 }));
    const { relay, send, rows, settled, depth, stored } = await relayTo(target.url);
    const ids = [await send(1), await send(2), await send(3)];
    await settled('dead', 3);
    expect(await depth()).toBe(0);
    const dry = await post(relay.adminUrl, '/admin/endpoints/hook/replay', { state: 'dead', dry_run: true });
    expect(dry.json).toMatchObject({
      endpoint: 'hook',
      state: 'dead',
      dry_run: true,
      matched: 3,
      requeued: 0,
    });
    expect((await rows()).map((r) => r.state)).toEqual(['dead', 'dead', 'dead']);
    down = false;
    const before = target.requests.length;
    const res = await post(relay.adminUrl, '/admin/endpoints/hook/replay', { state: 'dead', limit: 2 });
    expect(res.json).toMatchObject({ matched: 3, requeued: 2, limit: 2 });
    await settled('delivered', 2);
    const rest = await post(relay.adminUrl, '/admin/endpoints/hook/replay', { state: 'dead' });
    expect(rest.json).toMatchObject({ matched: 1, requeued: 1 });
    await settled('delivered', 3);
    const replayed = target.requests.slice(before);
    expect(replayed.map((r) => r.headers['webhook-id']).sort()).toEqual([...ids].sort());
    expect(replayed.every((r) => r.headers['x-relay-attempt'] === '3')).toBe(true);
    expect(await depth()).toBe(0);
    const deliveries = await stored();
    expect(deliveries).toHaveLength(3);
    expect(deliveries.every((d) => d.state === 'delivered' && d.step === 0 && d.attempts === 3)).toBe(true);
  });

  it('resends delivered ones received since a time, and refuses a bad state', async () => {
    const target = await startTarget();
    const clock = new ManualClock();
    const { relay, send, settled } = await relayTo(target.url, clock);
    await send(1);
    clock.advance(3 * 3_600_000);
    const recent = await send(2);
    await settled('delivered', 2);
    const res = await post(relay.adminUrl, '/admin/endpoints/hook/replay', {
      state: 'delivered',
      since: '2h',
    });
    expect(res.json).toMatchObject({ matched: 1, requeued: 1, since: expect.any(String) });
    const [, , third] = await target.waitFor(3);
    expect(third!.headers['webhook-id']).toBe(recent);
    const bad = await post(relay.adminUrl, '/admin/endpoints/hook/replay', { state: 'pending' });
    expect(bad.status).toBe(400);
    expect((await post(relay.adminUrl, '/admin/endpoints/hook/replay', {})).status).toBe(400);
    expect((await post(relay.adminUrl, '/admin/endpoints/nope/replay', { state: 'dead' })).status).toBe(404);
  });
});

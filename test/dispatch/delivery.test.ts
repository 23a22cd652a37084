import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import type { SettledMessage } from '../../src/dispatch/observe.ts';
import { ManualClock } from '../helpers/clock.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { withStore } from '../helpers/store.ts';
import { type Reply, startTarget } from '../helpers/target.ts';

/**
 * `probe`: a second endpoint, on the target's /probe, that also gets every
 * event of type `probe`: its delivery settling shows that the dispatcher has
 * looked at both endpoints' work (one claim for the same ingest), a barrier
 * for "hook was not sent anything".
 */
async function relayTo(
  targetUrl: string,
  endpointYaml = '',
  retry = '{ schedule: [100ms, 100ms, 100ms], jitter: 0 }',
  { probe = false, clock }: { probe?: boolean; clock?: Clock } = {},
) {
  const config = testConfig(`
sources:
  app: { type: { field: type } }
endpoints:
  hook:
    url: "${targetUrl}/hook"
    retry: ${retry}
${endpointYaml}
${probe ? `  probe: { url: "${targetUrl}/probe" }` : ''}
routes:
  - { from: [app], types: "*", to: [hook] }
${probe ? '  - { from: [app], types: [probe], to: [probe] }' : ''}
`);
  const relay = await startTestRelay(config, clock);
  // Listening before the first event is sent: no outcome can come too early to be seen.
  const outcomes = watchSettled();
  const send = async (payload: object | string = { type: 'message.received', text: 'hi' }) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const res = await post(`${relay.ingestUrl}/in/app`, body);
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  };
  /** Resolves once the delivery of `eventId` to `endpoint` was written to the store with this outcome. */
  const outcome = (eventId: string, kind: SettledMessage['settlement']['kind'], endpoint = 'hook') =>
    outcomes.next({ eventId, endpoint, settlement: { kind }, applied: true });
  /**
   * Stops the relay (every attempt recorded) and reads the delivery of
   * `eventId` back through the Store: the admin API does not show `step`.
   */
  const stored = async (eventId: string) => {
    await relay.close();
    const [delivery, ...others] = await withStore(config, (store) => store.reads.deliveriesOf(eventId));
    expect(others).toEqual([]);
    return delivery!;
  };
  const settled = async (eventId: string, kind: 'delivered' | 'dead') => {
    await outcome(eventId, kind);
    return stored(eventId);
  };
  const metrics = async () => (await fetch(`${relay.adminUrl}/metrics`)).text();
  return { relay, config, send, outcome, stored, settled, metrics };
}

function scripted(replies: Reply[], rest: Reply = { status: 200 }) {
  return (request: { n: number }) => replies[request.n - 1] ?? rest;
}

describe('delivery', () => {
  it('POSTs the stored bytes with the protocol headers and marks the delivery delivered', async () => {
    const target = await startTarget();
    const { send, outcome, stored, metrics } = await relayTo(target.url, '    headers: { X-Team: sms }');
    const raw = '{"type": "message.received",  "big": 12345678901234567890123}';
    const id = await send(raw);
    const [request] = await target.waitFor(1);
    expect(request!.path).toBe('/hook');
    expect(request!.body.toString()).toBe(raw);
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': id,
      'x-relay-source': 'app',
      'x-relay-type': 'message.received',
      'x-relay-attempt': '1',
      'x-team': 'sms',
      'user-agent': expect.stringMatching(/^relay\/\d+\.\d+\.\d+/),
    });
    expect(Number(request!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    await outcome(id, 'delivered');
    const text = await metrics();
    expect(text).toContain('relay_delivery_attempts_total{endpoint="hook",outcome="success"} 1');
    expect(text).toContain('relay_deliveries_completed_total{endpoint="hook",result="delivered"} 1');
    expect(text).toMatch(/relay_end_to_end_seconds_count\{endpoint="hook"\} 1/);
    expect(await stored(id)).toMatchObject({ state: 'delivered', attempts: 1, step: 0, lastStatus: 200 });
  });

  it('retries a 500 with the same webhook-id, a counting x-relay-attempt and a fresh timestamp', async () => {
    const target = await startTarget(scripted([{ status: 500, body: 'boom' }]));
    const { send, settled } = await relayTo(target.url);
    const id = await send();
    const [first, second] = await target.waitFor(2);
    expect(first!.headers['webhook-id']).toBe(id);
    expect(second!.headers['webhook-id']).toBe(id);
    expect([first!.headers['x-relay-attempt'], second!.headers['x-relay-attempt']]).toEqual(['1', '2']);
    expect(Number(second!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
      Number(first!.headers['webhook-timestamp']),
    );
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(90);
    const delivery = await settled(id, 'delivered');
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 2, step: 1 });
    expect(delivery.attemptLog.map((a) => [a.n, a.status, a.response?.toString()])).toEqual([
      [1, 500, 'boom'],
      [2, 200, ''],
    ]);
  });

  it('pauses the lane for a 429 Retry-After without using a step of the schedule', async () => {
    const target = await startTarget(scripted([{ status: 429, headers: { 'retry-after': '2' } }]));
    // A pause is capped by the schedule's longest step (5 s here).
    const clock = new ManualClock();
    const start = clock.now();
    const { relay, send, outcome, settled } = await relayTo(
      target.url,
      '',
      '{ schedule: [100ms, 5s], jitter: 0 }',
      { clock },
    );
    const id = await send();
    // The schedule's first step would have been 100 ms; the lane waits for the server's 2 s.
    const paused = await outcome(id, 'paused');
    expect(paused.settlement).toEqual({ kind: 'paused', until: start + 2_000 });
    clock.advance(2_000);
    relay.wake();
    const [first, second] = await target.waitFor(2);
    expect(Number(first!.headers['webhook-timestamp'])).toBe(start / 1000);
    expect(Number(second!.headers['webhook-timestamp'])).toBe((start + 2_000) / 1000);
    expect(second!.headers['x-relay-attempt']).toBe('2');
    expect(await settled(id, 'delivered')).toMatchObject({ state: 'delivered', attempts: 2, step: 0 });
  });

  it('records a timeout and a refused connection as failures, and retries them', async () => {
    const target = await startTarget(scripted([{ hold: true }]));
    const { send, settled } = await relayTo(target.url, '    timeout: 300ms');
    const id = await send();
    const delivery = await settled(id, 'delivered');
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 2, step: 1 });
    expect(delivery.attemptLog.map((a) => [a.status, a.error])).toEqual([
      [undefined, 'timeout'],
      [200, undefined],
    ]);

    const closed = await startTarget();
    await closed.close();
    const refused = await relayTo(closed.url, '', '{ schedule: [50ms], jitter: 0 }');
    const lost = await refused.send();
    const dead = await refused.settled(lost, 'dead');
    expect(dead).toMatchObject({ state: 'dead', attempts: 2, step: 2, lastError: 'ECONNREFUSED' });
  });

  it('does not follow redirects: a 302 is a failure', async () => {
    const target = await startTarget(() => ({ status: 302, headers: { location: '/elsewhere' } }));
    const { send, outcome, stored, metrics } = await relayTo(
      target.url,
      '',
      '{ schedule: [50ms], jitter: 0 }',
    );
    const id = await send();
    await outcome(id, 'dead');
    expect(target.requests.map((r) => r.path)).toEqual(['/hook', '/hook']);
    expect(await metrics()).toContain('relay_deliveries_completed_total{endpoint="hook",result="dead"} 1');
    expect(await stored(id)).toMatchObject({ state: 'dead', attempts: 2, lastStatus: 302 });
  });

  it('marks a delivery dead when the schedule is exhausted, keeping every attempt', async () => {
    const target = await startTarget(() => ({ status: 500 }));
    const { send, settled } = await relayTo(target.url);
    const id = await send();
    const delivery = await settled(id, 'dead');
    expect(delivery).toMatchObject({ state: 'dead', attempts: 4, step: 4, lastStatus: 500 });
    expect(delivery.attemptLog).toHaveLength(4);
    expect(target.requests).toHaveLength(4);
  });

  it('disables the endpoint on 410 Gone and holds its deliveries', async () => {
    const target = await startTarget(scripted([{ status: 410 }]));
    const { relay, config, send, outcome, metrics } = await relayTo(target.url, '', undefined, {
      probe: true,
    });
    const first = await send();
    await outcome(first, 'gone');
    expect(await metrics()).toContain('relay_endpoint_state{endpoint="hook",state="disabled"} 1');
    // The second event goes to hook and to probe: one claim looks at both, so once
    // probe's delivery is recorded, a hook that still sent would have its attempt in flight.
    const second = await send({ type: 'probe' });
    relay.wake();
    await outcome(second, 'delivered', 'probe');
    // Closing waits for every attempt in flight to be recorded.
    await relay.close();
    const persisted = await withStore(config, async (store) => ({
      first: await store.reads.deliveriesOf(first),
      second: await store.reads.deliveriesOf(second),
      hook: (await store.endpointStates()).get('hook')?.state,
    }));
    expect(target.requests.filter((r) => r.path === '/hook')).toHaveLength(1);
    expect(persisted.first).toMatchObject([{ endpoint: 'hook', state: 'pending', attempts: 1, step: 0 }]);
    expect(persisted.second).toEqual([
      expect.objectContaining({ endpoint: 'hook', state: 'pending', attempts: 0 }),
      expect.objectContaining({ endpoint: 'probe', state: 'delivered' }),
    ]);
    expect(persisted.hook).toBe('disabled');
  });

  it('reads at most 4 KiB of a huge answer, and times out an answer that trickles in', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const target = await startTarget(
      scripted([
        { trickle: 'slow answer', intervalMs: 100 },
        { status: 200, body: huge },
      ]),
    );
    const { send, settled } = await relayTo(target.url, '    timeout: 500ms');
    const id = await send();
    const delivery = await settled(id, 'delivered');
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 2 });
    const [slow, big] = delivery.attemptLog;
    expect(slow).toMatchObject({ status: undefined, error: 'timeout' });
    expect(big!.status).toBe(200);
    expect(big!.response!.length).toBe(4096);
  });
});

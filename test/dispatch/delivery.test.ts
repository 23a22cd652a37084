import { describe, expect, it } from 'vitest';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { readDatabase } from '../helpers/sqlite.ts';
import { type Reply, startTarget } from '../helpers/target.ts';

interface DeliveryRow {
  state: string;
  attempts: number;
  step: number;
  last_status: number | null;
  last_error: string | null;
}

async function relayTo(
  targetUrl: string,
  endpointYaml = '',
  retry = '{ schedule: [100ms, 100ms, 100ms], jitter: 0 }',
) {
  const config = testConfig(`
sources:
  app: { type: { field: type } }
endpoints:
  hook:
    url: "${targetUrl}/hook"
    retry: ${retry}
${endpointYaml}
routes:
  - { from: [app], types: "*", to: [hook] }
`);
  const relay = await startTestRelay(config);
  const send = async (payload: object | string = { type: 'message.received', text: 'hi' }) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const res = await post(`${relay.ingestUrl}/in/app`, body);
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  };
  const delivery = (eventId: string) =>
    readDatabase(config.storage.path, (db) =>
      db
        .prepare('SELECT state, attempts, step, last_status, last_error FROM deliveries WHERE event_id = ?')
        .get(eventId),
    ) as DeliveryRow;
  const attempts = (eventId: string) =>
    readDatabase(config.storage.path, (db) =>
      db
        .prepare(
          `SELECT a.n, a.status, a.error, a.response FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
           WHERE d.event_id = ? ORDER BY a.n`,
        )
        .all(eventId),
    ) as { n: number; status: number | null; error: string | null; response: Buffer | null }[];
  const settled = async (eventId: string, state: string) => {
    // Completion is committed just after the target answers: poll the store briefly.
    for (let i = 0; i < 200; i++) {
      const row = delivery(eventId);
      if (row.state === state) return row;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`delivery of ${eventId} is ${delivery(eventId).state}, not ${state}`);
  };
  const metrics = async () => (await fetch(`${relay.adminUrl}/metrics`)).text();
  return { relay, config, send, delivery, attempts, settled, metrics };
}

function scripted(replies: Reply[], rest: Reply = { status: 200 }) {
  return (request: { n: number }) => replies[request.n - 1] ?? rest;
}

describe('delivery', () => {
  it('POSTs the stored bytes with the protocol headers and marks the delivery delivered', async () => {
    const target = await startTarget();
    const { send, settled, metrics } = await relayTo(target.url, '    headers: { X-Team: sms }');
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
    expect(await settled(id, 'delivered')).toMatchObject({ attempts: 1, step: 0, last_status: 200 });
    const text = await metrics();
    expect(text).toContain('relay_delivery_attempts_total{endpoint="hook",outcome="success"} 1');
    expect(text).toContain('relay_deliveries_completed_total{endpoint="hook",result="delivered"} 1');
    expect(text).toMatch(/relay_end_to_end_seconds_count\{endpoint="hook"\} 1/);
  });

  it('retries a 500 with the same webhook-id, a counting x-relay-attempt and a fresh timestamp', async () => {
    const target = await startTarget(scripted([{ status: 500, body: 'boom' }]));
    const { send, settled, attempts } = await relayTo(target.url);
    const id = await send();
    const [first, second] = await target.waitFor(2);
    expect(first!.headers['webhook-id']).toBe(id);
    expect(second!.headers['webhook-id']).toBe(id);
    expect([first!.headers['x-relay-attempt'], second!.headers['x-relay-attempt']]).toEqual(['1', '2']);
    expect(Number(second!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
      Number(first!.headers['webhook-timestamp']),
    );
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(90);
    expect(await settled(id, 'delivered')).toMatchObject({ attempts: 2, step: 1 });
    expect(attempts(id).map((a) => [a.n, a.status, a.response?.toString()])).toEqual([
      [1, 500, 'boom'],
      [2, 200, ''],
    ]);
  });

  it('pauses the lane for a 429 Retry-After without using a step of the schedule', async () => {
    const target = await startTarget(scripted([{ status: 429, headers: { 'retry-after': '2' } }]));
    // A pause is capped by the schedule's longest step (5 s here).
    const { send, settled } = await relayTo(target.url, '', '{ schedule: [100ms, 5s], jitter: 0 }');
    const id = await send();
    const [first, second] = await target.waitFor(2);
    // The schedule's first step would have been 100 ms; the lane waited for the server's 2 s.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    expect(await settled(id, 'delivered')).toMatchObject({ attempts: 2, step: 0 });
  });

  it('records a timeout and a refused connection as failures, and retries them', async () => {
    const target = await startTarget(scripted([{ hold: true }]));
    const { send, settled, attempts } = await relayTo(target.url, '    timeout: 300ms');
    const id = await send();
    expect(await settled(id, 'delivered')).toMatchObject({ attempts: 2, step: 1 });
    expect(attempts(id).map((a) => [a.status, a.error])).toEqual([
      [null, 'timeout'],
      [200, null],
    ]);

    const closed = await startTarget();
    await closed.close();
    const refused = await relayTo(closed.url, '', '{ schedule: [50ms], jitter: 0 }');
    const lost = await refused.send();
    const dead = await refused.settled(lost, 'dead');
    expect(dead).toMatchObject({ attempts: 2, step: 2, last_error: 'ECONNREFUSED' });
  });

  it('does not follow redirects: a 302 is a failure', async () => {
    const target = await startTarget(() => ({ status: 302, headers: { location: '/elsewhere' } }));
    const { send, settled, metrics } = await relayTo(target.url, '', '{ schedule: [50ms], jitter: 0 }');
    const id = await send();
    expect(await settled(id, 'dead')).toMatchObject({ attempts: 2, last_status: 302 });
    expect(target.requests.map((r) => r.path)).toEqual(['/hook', '/hook']);
    expect(await metrics()).toContain('relay_deliveries_completed_total{endpoint="hook",result="dead"} 1');
  });

  it('marks a delivery dead when the schedule is exhausted, keeping every attempt', async () => {
    const target = await startTarget(() => ({ status: 500 }));
    const { send, settled, attempts } = await relayTo(target.url);
    const id = await send();
    expect(await settled(id, 'dead')).toMatchObject({ attempts: 4, step: 4, last_status: 500 });
    expect(attempts(id)).toHaveLength(4);
    expect(target.requests).toHaveLength(4);
  });

  it('disables the endpoint on 410 Gone and holds its deliveries', async () => {
    const target = await startTarget(scripted([{ status: 410 }]));
    const { send, delivery, metrics, config } = await relayTo(target.url);
    const first = await send();
    await target.waitFor(1);
    for (
      let i = 0;
      i < 100 && !(await metrics()).includes('relay_endpoint_state{endpoint="hook",state="disabled"} 1');
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await metrics()).toContain('relay_endpoint_state{endpoint="hook",state="disabled"} 1');
    const second = await send();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(target.requests).toHaveLength(1);
    expect(delivery(first)).toMatchObject({ state: 'pending', attempts: 1, step: 0 });
    expect(delivery(second)).toMatchObject({ state: 'pending', attempts: 0 });
    const persisted = readDatabase(config.storage.path, (db) =>
      db.prepare("SELECT state FROM endpoint_state WHERE name = 'hook'").get(),
    );
    expect(persisted).toEqual({ state: 'disabled' });
  });

  it('reads at most 4 KiB of a huge answer, and times out an answer that trickles in', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const target = await startTarget(
      scripted([
        { trickle: 'slow answer', intervalMs: 100 },
        { status: 200, body: huge },
      ]),
    );
    const { send, settled, attempts } = await relayTo(target.url, '    timeout: 500ms');
    const id = await send();
    expect(await settled(id, 'delivered')).toMatchObject({ attempts: 2 });
    const [slow, big] = attempts(id);
    expect(slow).toMatchObject({ status: null, error: 'timeout' });
    expect(big!.status).toBe(200);
    expect(big!.response!.length).toBe(4096);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/clock.ts';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';
import { api } from './api.ts';

async function relayWith(targetUrl: string, clock?: ManualClock) {
  const config = testConfig(`
sources:
  app: { type: { field: type } }
  shop: { type: { from: path } }
endpoints:
  crm: { url: "${targetUrl}/crm", retry: { schedule: [20ms], jitter: 0 } }
  analytics: { url: "${targetUrl}/analytics" }
routes:
  - { from: [app], types: [message.received], to: [crm, analytics] }
  - { from: [shop], to: [analytics] }
`);
  const relay = await startTestRelay(config, clock);
  const outcomes = watchSettled();
  const send = async (path: string, body: string | Buffer, contentType = 'application/json') => {
    const res = await ingest(`${relay.ingestUrl}${path}`, body, { 'content-type': contentType });
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  };
  return { relay, send, outcomes };
}

describe('admin events', () => {
  it('lists newest first and pages with an opaque cursor until the last page', async () => {
    const target = await startTarget();
    const clock = new ManualClock();
    const { relay, send } = await relayWith(target.url, clock);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(await send('/in/app', JSON.stringify({ type: 'message.received', i })));
      // Two events share each millisecond: the cursor must split ties by id.
      if (i % 2 === 1) clock.advance(1);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await api(relay.adminUrl, `/admin/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.events.map((e: { id: string }) => e.id));
      cursor = res.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const bad = await api(relay.adminUrl, '/admin/events?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect((await api(relay.adminUrl, '/admin/events?limit=501')).status).toBe(400);
    expect((await api(relay.adminUrl, '/admin/events?limit=0')).status).toBe(400);
  });

  it('filters by source, type, delivery state, endpoint and since', async () => {
    const target = await startTarget((r) => (r.path === '/crm' ? { status: 500 } : { status: 200 }));
    const clock = new ManualClock();
    const { relay, send, outcomes } = await relayWith(target.url, clock);
    const old = await send('/in/shop/order.paid', '{"total":3}');
    clock.advance(3 * 3_600_000);
    const message = await send('/in/app', '{"type":"message.received"}');
    const other = await send('/in/app', '{"type":"status"}');
    // Past the crm retry (on the manual clock): the second attempt fails too and the delivery dies.
    await outcomes.next({ eventId: message, endpoint: 'crm', settlement: { kind: 'retry' }, applied: true });
    clock.advance(60_000);
    relay.wake();
    await outcomes.next({ eventId: message, endpoint: 'crm', settlement: { kind: 'dead' }, applied: true });
    await outcomes.next({ eventId: message, endpoint: 'analytics', settlement: { kind: 'delivered' } });
    expect(target.requests.filter((r) => r.path === '/crm')).toHaveLength(2);
    const ids = async (query: string) =>
      (await api(relay.adminUrl, `/admin/events?${query}`)).json.events.map((e: { id: string }) => e.id);
    expect(await ids('source=shop')).toEqual([old]);
    expect(await ids('source=app&type=status')).toEqual([other]);
    expect(await ids('endpoint=crm')).toEqual([message]);
    expect(await ids('endpoint=analytics')).toEqual([message, old]);
    expect(await ids('since=1h')).toEqual([other, message]);
    expect(await ids(`since=${new Date(clock.now() - 4 * 3_600_000).toISOString()}`)).toEqual([
      other,
      message,
      old,
    ]);
    expect(await ids('state=dead')).toEqual([message]);
    expect(await ids('state=dead&endpoint=crm')).toEqual([message]);
    expect(await ids('state=dead&endpoint=analytics')).toEqual([]);
    expect((await api(relay.adminUrl, '/admin/events?state=lost')).status).toBe(400);
    expect((await api(relay.adminUrl, '/admin/events?since=yesterday')).status).toBe(400);
    const listed = (await api(relay.adminUrl, '/admin/events?endpoint=crm')).json.events[0];
    expect(listed).toMatchObject({
      id: message,
      source: 'app',
      type: 'message.received',
      content_type: 'application/json',
      size: 27,
      deliveries: [
        { id: expect.any(Number), endpoint: 'crm', state: 'dead', attempt_count: 2 },
        { id: expect.any(Number), endpoint: 'analytics', state: 'delivered', attempt_count: 1 },
      ],
    });
  });

  it('shows one event with its body, its deliveries and every attempt', async () => {
    const target = await startTarget((r) =>
      r.n === 1 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' },
    );
    const { relay, send, outcomes } = await relayWith(target.url);
    const raw = '{"type":"message.received","text":"héllo"}';
    const id = await send('/in/app', raw);
    await target.waitFor(3);
    await outcomes.until(2, { eventId: id, settlement: { kind: 'delivered' }, applied: true });
    const event = (await api(relay.adminUrl, `/admin/events/${id}`)).json;
    expect(event.deliveries.map((d: { state: string }) => d.state)).toEqual(['delivered', 'delivered']);
    expect(event).toMatchObject({
      id,
      source: 'app',
      type: 'message.received',
      received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      content_type: 'application/json',
      body_encoding: 'utf8',
      body: raw,
    });
    const attempts = event.deliveries.flatMap(
      (d: { endpoint: string; attempts: { status: number; response: string }[] }) =>
        d.attempts.map((a) => [d.endpoint, a.status, a.response]),
    );
    expect(attempts).toHaveLength(3);
    expect(attempts).toContainEqual([expect.any(String), 503, 'busy']);
    const delivery = event.deliveries[0];
    expect(delivery).toMatchObject({ id: expect.any(Number), event_id: id, next_attempt_at: null });
    expect(delivery.attempts[0]).toMatchObject({
      n: 1,
      started_at: expect.any(String),
      duration_ms: expect.any(Number),
    });
    const one = await api(relay.adminUrl, `/admin/deliveries/${delivery.id}`);
    expect(one.json).toEqual(delivery);
  });

  it('shows a body that is not UTF-8 as base64', async () => {
    const target = await startTarget();
    const { relay, send } = await relayWith(target.url);
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const id = await send('/in/shop/blob', bytes, 'application/octet-stream');
    const event = (await api(relay.adminUrl, `/admin/events/${id}`)).json;
    expect(event).toMatchObject({ body_encoding: 'base64', body: bytes.toString('base64'), size: 4 });
  });
});

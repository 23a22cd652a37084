import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_LIMITS, StreamHub } from '../../src/admin/stream.ts';
import { createLogger } from '../../src/log.ts';
import { RelayMetrics } from '../../src/metrics.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { readStream, stalledReader } from '../helpers/sse.ts';
import { startTarget } from '../helpers/target.ts';
import { api } from './api.ts';

async function start(routeTypes = '*') {
  const target = await startTarget();
  const config = testConfig(`
admin:
  tokens:
    - { name: grafana, token: "t-read", role: read }
    - { name: oncall, token: "t-operate", role: operate }
sources: { app: { type: { field: type } } }
endpoints:
  hook: { url: "${target.url}/hook", retry: { schedule: [10ms], jitter: 0 } }
  other: { url: "${target.url}/other" }
routes:
  - { from: [app], types: ${routeTypes === '*' ? '"*"' : `[${routeTypes}]`}, to: [hook] }
`);
  const relay = await startTestRelay(config);
  const stream = `${relay.adminUrl}/admin/stream`;
  const send = async (body: object) => {
    const res = await post(`${relay.ingestUrl}/in/app`, JSON.stringify(body));
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  };
  return { target, relay, stream, send };
}

describe('GET /admin/stream', () => {
  it('streams received events, attempts, completions and state changes to a read token, with rising ids', async () => {
    const { target, relay, stream, send } = await start();
    target.script = (r) => (r.n === 1 ? { status: 500 } : { status: 200 });
    expect((await api(relay.adminUrl, '/admin/stream')).status).toBe(401);
    const bad = await api(relay.adminUrl, '/admin/stream?types=nope', { token: 't-read' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.problems).toEqual([
      "types: 'nope' is not one of event.received, delivery.attempted, delivery.completed, endpoint.state",
    ]);

    const all = await readStream(stream, 't-read');
    const states = await readStream(`${stream}?types=endpoint.state`, 't-read');
    const elsewhere = await readStream(`${stream}?endpoint=other`, 't-read');
    expect(all.status).toBe(200);
    const id = await send({ type: 'order.created' });
    const received = await all.next((m) => m.event === 'event.received');
    expect(received.data).toMatchObject({
      event_id: id,
      source: 'app',
      type: 'order.created',
      endpoints: ['hook'],
    });
    const first = await all.next((m) => m.event === 'delivery.attempted');
    expect(first.data).toMatchObject({
      endpoint: 'hook',
      event_id: id,
      attempt: 1,
      status: 500,
      error: null,
    });
    const retry = await all.next((m) => m.event === 'delivery.completed');
    expect(retry.data).toMatchObject({ delivery_id: first.data.delivery_id, result: 'retry' });
    expect(retry.data.next_attempt_at).toMatch(/^\d{4}-/);
    const second = await all.next((m) => m.event === 'delivery.attempted');
    expect(second.data).toMatchObject({ attempt: 2, status: 200 });
    const done = await all.next((m) => m.event === 'delivery.completed');
    expect(done.data).toEqual({
      endpoint: 'hook',
      delivery_id: first.data.delivery_id,
      event_id: id,
      result: 'delivered',
    });

    expect(
      (
        await api(relay.adminUrl, '/admin/endpoints/hook/pause', {
          method: 'POST',
          body: {},
          token: 't-operate',
        })
      ).status,
    ).toBe(200);
    const paused = await all.next((m) => m.event === 'endpoint.state');
    expect(paused.data).toEqual({
      endpoint: 'hook',
      from: 'active',
      to: 'paused',
      reason: 'paused by an operator',
    });
    expect((await states.next((m) => m.event === 'endpoint.state')).id).toBe(paused.id);
    expect(states.messages.map((m) => m.event)).toEqual(['endpoint.state']);

    const ids = all.messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    // Nothing above concerned `other`: a reader filtered to it saw none of it.
    expect(elsewhere.messages).toEqual([]);
  });

  it('drops a reader that never reads while deliveries go on, and keeps the one that reads', {
    timeout: 30_000,
  }, async () => {
    // Only `small` events are delivered; the big ones only fill the stream.
    const { relay, stream, send } = await start('small');
    const healthy = await readStream(stream, 't-read');
    const stalled = await stalledReader(stream, 't-read');
    const settled = watchSettled();
    // Loopback sockets take a few MiB before relay's own buffer grows: events with a
    // 64 KiB type fill them in a few dozen requests.
    const big = 'x'.repeat(64 * 1024);
    const dropped = () => relay.metrics.streamDropped.get().then((m) => m.values[0]?.value ?? 0);
    let sent = 0;
    while ((await dropped()) === 0) {
      expect(sent).toBeLessThan(400);
      await send({ type: big });
      await send({ type: 'small', n: sent++ });
    }
    // Every delivery made while the stalled reader held its stream completed: none waited on it.
    const delivered = await settled.until(sent, { settlement: { kind: 'delivered' } });
    expect(delivered).toHaveLength(sent);
    expect(stalled.readableLength).toBeLessThanOrEqual(64 * 1024);
    expect((await relay.metrics.streamClients.get()).values[0]?.value).toBe(1);
    // The reader that reads saw it all, and is still served.
    await healthy.next((m) => m.event === 'delivery.completed' && m.data.event_id !== undefined);
    const id = await send({ type: 'small', n: -1 });
    await healthy.next((m) => m.event === 'delivery.completed' && m.data.event_id === id);
    expect(healthy.messages.filter((m) => m.event === 'event.received')).toHaveLength(2 * sent + 1);
  });

  it(`refuses a stream past ${DEFAULT_STREAM_LIMITS.maxClients} readers with 503`, async () => {
    const { stream } = await start();
    const readers = await Promise.all(
      Array.from({ length: DEFAULT_STREAM_LIMITS.maxClients }, () => readStream(stream, 't-read')),
    );
    expect(readers.every((r) => r.status === 200)).toBe(true);
    const refused = await readStream(stream, 't-read');
    expect(refused.status).toBe(503);
    readers[0]!.close();
    await readers[0]!.ended;
    // The server sees the close on its next turn: the slot is free once it has.
    let again = await readStream(stream, 't-read');
    for (let tries = 0; again.status !== 200 && tries < 50; tries++)
      again = await readStream(stream, 't-read');
    expect(again.status).toBe(200);
  });

  it('ends every stream on shutdown, a stalled one too, without waiting for the listener deadline', async () => {
    const { relay, stream, send } = await start();
    const reader = await readStream(stream, 't-read');
    await stalledReader(stream, 't-read');
    await send({ type: 'a' });
    await reader.next((m) => m.event === 'event.received');
    const started = Date.now();
    await relay.close();
    await reader.ended;
    // The admin listener cuts busy connections after 5 s: open streams must not wait for it.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('sends a ping comment on an idle stream, so proxies keep it open', async () => {
    const hub = new StreamHub({
      metrics: new RelayMetrics(),
      log: createLogger('silent'),
      limits: { heartbeatMs: 20 },
    });
    const server = createServer((req, res) =>
      hub.open(res, new URL(req.url ?? '/', 'http://x').searchParams),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const reader = await readStream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await reader.until(() => reader.comments.filter((c) => c === 'ping').length >= 2);
      expect(reader.messages).toEqual([]);
      hub.close();
      await reader.ended;
    } finally {
      server.close();
    }
  });
});

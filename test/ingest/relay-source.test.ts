import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { allEvents, withStore } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';

const OPS_SECRET = `whsec_${Buffer.from('ops-signing-key-0123456789abcdef').toString('base64')}`;

describe('operational events', () => {
  it('sends endpoint.disabled, signed, to the ops route when an endpoint answers 410, never to that endpoint', async () => {
    const target = await startTarget((r) => (r.path === '/gone' ? { status: 410 } : { status: 200 }));
    const relay = await startTestRelay(
      testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  gone: { url: "${target.url}/gone" }
  ops:
    url: "${target.url}/ops"
    signing: { scheme: standard-webhooks, secret: "${OPS_SECRET}" }
routes:
  - { from: [app], types: "*", to: [gone] }
  - { name: operations, from: [relay], types: "*", to: [ops, gone] }
`),
    );
    await post(`${relay.ingestUrl}/in/app`, '{"type":"message"}');
    const [notice] = await target.waitFor(1, 15_000, (r) => r.path === '/ops');
    const headers = notice!.headers as Record<string, string>;
    expect(headers['x-relay-source']).toBe('relay');
    expect(headers['x-relay-type']).toBe('endpoint.disabled');
    const payload = new Webhook(OPS_SECRET).verify(notice!.body.toString(), headers) as Record<
      string,
      unknown
    >;
    expect(payload).toMatchObject({ type: 'endpoint.disabled', endpoint: 'gone', reason: 'answered 410' });
    expect(target.requests.filter((r) => r.path === '/gone')).toHaveLength(1);
  });

  it('groups dead deliveries of an endpoint into one delivery.dead event', async () => {
    const target = await startTarget((r) => (r.path === '/bad' ? { status: 500 } : { hold: true }));
    const config = testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  bad: { url: "${target.url}/bad", retry: { schedule: [], jitter: 0 } }
  ops: { url: "${target.url}/ops" }
routes:
  - { from: [app], types: "*", to: [bad] }
  - { from: [relay], types: [delivery.dead], to: [ops] }
`);
    const relay = await startTestRelay(config);
    const outcomes = watchSettled();
    await Promise.all(Array.from({ length: 5 }, () => post(`${relay.ingestUrl}/in/app`, '{"type":"m"}')));
    await target.waitFor(5, 15_000, (r) => r.path === '/bad');
    await outcomes.until(5, { endpoint: 'bad', settlement: { kind: 'dead' }, applied: true });
    // The minute's report is flushed at shutdown rather than lost.
    await relay.close();
    const reports = await withStore(config, async (store) => {
      const events = await allEvents(store).then((all) => all.filter((e) => e.source === 'relay'));
      return Promise.all(
        events.flatMap((event) =>
          event.deliveries.map(async (d) => ({
            endpoint: d.endpoint,
            body: (await store.reads.event(event.id))!.body,
          })),
        ),
      );
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]!.endpoint).toBe('ops');
    const report = JSON.parse(reports[0]!.body.toString()) as {
      type: string;
      count: number;
      deliveries: unknown[];
    };
    expect(report).toMatchObject({ type: 'delivery.dead', endpoint: 'bad', count: 5 });
    expect(report.deliveries).toHaveLength(5);
  });
});

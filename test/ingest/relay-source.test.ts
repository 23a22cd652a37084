import { describe, expect, it } from 'vitest';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { allEvents, withStore } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';

describe('operational events', () => {
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

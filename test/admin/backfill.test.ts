import { describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/clock.ts';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';
import { api, listDeliveries, post } from './api.ts';

describe('admin backfill', () => {
  it("creates deliveries for the stored events today's routes send to a new endpoint, never twice", async () => {
    const target = await startTarget();
    const clock = new ManualClock();
    const dir = tempDir();
    const base = `
sources:
  app: { type: { field: type } }
  form: { type: { field: kind } }
`;
    const first = testConfig(
      `${base}endpoints:\n  crm: { url: "${target.url}/crm" }\nroutes:\n  - { from: [app], to: [crm] }\n`,
      {},
      dir,
    );
    const relay = await startTestRelay(first, clock);
    const delivered = watchSettled();
    const send = async (path: string, body: string, type = 'application/json') =>
      ((await ingest(`${relay.ingestUrl}${path}`, body, { 'content-type': type })).json() as { id: string })
        .id;
    await send('/in/app', '{"type":"message","vip":true}'); // too old for the backfill
    clock.advance(25 * 3_600_000);
    const wanted: string[] = [];
    for (let i = 0; i < 130; i++) {
      // More than one batch of events; every third is a VIP message the new route takes.
      const id = await send('/in/app', JSON.stringify({ type: 'message', vip: i % 3 === 0, i }));
      if (i % 3 === 0) wanted.push(id);
    }
    wanted.push(await send('/in/form', 'kind=message&vip=true', 'application/x-www-form-urlencoded'));
    await send('/in/app', '{"type":"status","vip":true}');
    await target.waitFor(132, 10_000, (r) => r.path === '/crm');

    relay.reload(
      testConfig(
        `${base}endpoints:
  crm: { url: "${target.url}/crm" }
  late: { url: "${target.url}/late" }
routes:
  - { from: [app], to: [crm] }
  - { from: [app, form], types: [message], filter: { vip: { in: [true, "true"] } }, to: [late] }
`,
        {},
        dir,
      ),
    );
    const res = await post(relay.adminUrl, '/admin/endpoints/late/backfill', { since: '24h' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      endpoint: 'late',
      examined: 132,
      matched: wanted.length,
      created: wanted.length,
    });
    await target.waitFor(wanted.length, 10_000, (r) => r.path === '/late');
    const again = await post(relay.adminUrl, '/admin/endpoints/late/backfill', { since: '24h' });
    expect(again.json).toMatchObject({ matched: wanted.length, created: 0 });
    // Every delivery, the 132 first ones to crm and the backfilled ones to late, was recorded delivered.
    await delivered.until(132 + wanted.length, { settlement: { kind: 'delivered' }, applied: true });
    const deliveries = await listDeliveries(relay.adminUrl);
    expect(deliveries).toHaveLength(132 + wanted.length);
    expect(deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
    const late = target.requests.filter((r) => r.path === '/late').map((r) => r.headers['webhook-id']);
    expect(late.sort()).toEqual([...wanted].sort());
    const listing = await api(relay.adminUrl, '/admin/endpoints/late');
    expect(listing.json).toMatchObject({ pending: 0, in_flight: 0 });
  });

  it('needs a since and a configured endpoint', async () => {
    const relay = await startTestRelay(testConfig('endpoints:\n  crm: { url: "http://127.0.0.1:9/" }\n'));
    expect((await post(relay.adminUrl, '/admin/endpoints/crm/backfill', {})).status).toBe(400);
    expect((await post(relay.adminUrl, '/admin/endpoints/crm/backfill', { since: 'soon' })).status).toBe(400);
    expect((await post(relay.adminUrl, '/admin/endpoints/nope/backfill', { since: '1h' })).status).toBe(404);
  });
});

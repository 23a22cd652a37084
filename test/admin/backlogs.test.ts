import { describe, expect, it } from 'vitest';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { pauseEndpoints } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';
import { api, listDeliveries, post } from './api.ts';

function configs(targetUrl: string, dir: string) {
  const endpoints = (names: string[]) =>
    names.map((name) => `  ${name}: { url: "${targetUrl}/${name}" }`).join('\n');
  const yaml = (names: string[], routes: string) => `
sources:
  app: { type: { field: type } }
endpoints:
${endpoints(names)}
routes:
${routes}
`;
  return {
    before: testConfig(
      yaml(
        ['old', 'new'],
        '  - { from: [app], types: [a], to: [old] }\n  - { from: [app], types: [b], to: [old, new] }',
      ),
      {},
      dir,
    ),
    after: testConfig(yaml(['new'], '  - { from: [app], to: [new] }'), {}, dir),
  };
}

async function heldSetup() {
  const target = await startTarget();
  const dir = tempDir();
  const { before, after } = configs(target.url, dir);
  // `old` is paused so its deliveries stay pending until the config drops it.
  await pauseEndpoints(before, ['old']);
  const relay = await startTestRelay(before);
  const outcomes = watchSettled();
  const send = async (type: string) =>
    ((await ingest(`${relay.ingestUrl}/in/app`, JSON.stringify({ type }))).json() as { id: string }).id;
  const a1 = await send('a');
  const a2 = await send('a');
  const b = await send('b');
  await target.waitFor(1, 5_000, (r) => r.path === '/new');
  return { target, relay, after, outcomes, ids: { a1, a2, b } };
}

describe('held backlogs', () => {
  it('lists the backlog of an endpoint the config no longer names, and moves it without sending an event twice', async () => {
    const { target, relay, after, outcomes, ids } = await heldSetup();
    relay.reload(after);
    const list = await api(relay.adminUrl, '/admin/backlogs');
    expect(list.json).toEqual({
      backlogs: [{ endpoint: 'old', pending: 3, in_flight: 0, oldest_pending_seconds: expect.any(Number) }],
    });
    const moved = await post(relay.adminUrl, '/admin/backlogs/old/move', { to: 'new' });
    expect(moved.json).toEqual({ endpoint: 'old', to: 'new', moved: 2, dropped: 1, in_flight: 0 });
    await target.waitFor(3, 5_000, (r) => r.path === '/new');
    const delivered = target.requests.filter((r) => r.path === '/new').map((r) => r.headers['webhook-id']);
    expect(delivered.sort()).toEqual([ids.a1, ids.a2, ids.b].sort());
    // b's own delivery to new, then the two moved from old.
    await outcomes.until(3, { endpoint: 'new', settlement: { kind: 'delivered' }, applied: true });
    const deliveries = await listDeliveries(relay.adminUrl);
    expect(deliveries.filter((d) => d.state === 'pending' || d.state === 'in_flight')).toEqual([]);
    expect(
      deliveries
        .filter((d) => d.state === 'dropped')
        .map(({ event_id, endpoint, state }) => ({ event_id, endpoint, state })),
    ).toEqual([{ event_id: ids.b, endpoint: 'old', state: 'dropped' }]);
    expect((await api(relay.adminUrl, '/admin/backlogs')).json).toEqual({ backlogs: [] });
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/relay_queue_depth\{endpoint="old",state="held"\} 0/);
    expect(metrics).toMatch(/relay_queue_depth\{endpoint="new",state="pending"\} 0/);
  });

  it('drops a held backlog after a restart: marked dropped, not deleted', async () => {
    const { relay, after } = await heldSetup();
    await relay.close();
    const restarted = await startTestRelay(after);
    expect((await api(restarted.adminUrl, '/admin/backlogs')).json.backlogs).toMatchObject([
      { endpoint: 'old', pending: 3 },
    ]);
    const dropped = await post(restarted.adminUrl, '/admin/backlogs/old/drop');
    expect(dropped.json).toEqual({ endpoint: 'old', dropped: 3, in_flight: 0 });
    expect(
      (await listDeliveries(restarted.adminUrl)).filter((d) => d.endpoint === 'old').map((d) => d.state),
    ).toEqual(['dropped', 'dropped', 'dropped']);
    const events = await api(restarted.adminUrl, '/admin/events?state=dropped');
    expect(events.json.events).toHaveLength(3);
    expect((await post(restarted.adminUrl, '/admin/backlogs/old/drop')).status).toBe(404);
  });

  it('refuses to move or drop a configured endpoint, or to move to an unknown one', async () => {
    const { relay, after } = await heldSetup();
    const configured = await post(relay.adminUrl, '/admin/backlogs/old/drop');
    expect(configured.status).toBe(409);
    relay.reload(after);
    expect((await post(relay.adminUrl, '/admin/backlogs/old/move', { to: 'nowhere' })).status).toBe(404);
    expect((await post(relay.adminUrl, '/admin/backlogs/old/move', {})).status).toBe(400);
    expect((await post(relay.adminUrl, '/admin/backlogs/ghost/drop')).status).toBe(404);
  });
});

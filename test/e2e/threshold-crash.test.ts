import { describe, expect, it } from 'vitest';
import { api } from '../admin/api.ts';
import { spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { post } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

describe('thresholds across a crash', () => {
  it('counts made before a kill -9 stand: the third bounce after the restart delivers, once', async () => {
    const target = await startTarget();
    const config = writeDaemonConfig(
      tempDir(),
      `sources: { mobiniti: { type: { from: path } } }
endpoints: { crm: { url: "${target.url}/crm" } }
routes: [{ name: bounces, from: [mobiniti], types: [bounce], to: [crm], threshold: { key: phone_number, count: 3, within: 30d } }]
`,
    );
    const bounce = async (ingestUrl: string, n: number) =>
      (
        await post(`${ingestUrl}/in/mobiniti/bounce`, JSON.stringify({ phone_number: '+1555', n }))
      ).json() as {
        id: string;
        deliveries: number;
      };
    let relay = await spawnRelay(['--config', config]);
    expect((await bounce(relay.ingestUrl, 1)).deliveries).toBe(0);
    expect((await bounce(relay.ingestUrl, 2)).deliveries).toBe(0);
    relay.child.kill('SIGKILL');
    await relay.exited;
    relay = await spawnRelay(['--config', config]);
    const third = await bounce(relay.ingestUrl, 3);
    expect(third.deliveries).toBe(1);
    const [got] = await target.waitFor(1, 10_000);
    expect(got!.headers['webhook-id']).toBe(third.id);
    const events = (await api(relay.adminUrl, '/admin/events')).json.events;
    expect(events.map((e: { held_by: string[] }) => e.held_by)).toEqual([[], ['bounces'], ['bounces']]);
    expect(target.requests).toHaveLength(1);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

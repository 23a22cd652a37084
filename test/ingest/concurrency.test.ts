import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestRelay, testConfig } from '../helpers/relay.ts';
import { allEvents, pauseEndpoints, withStore } from '../helpers/store.ts';

const agent = new Agent({ connections: 128 });
afterAll(() => agent.close());

describe('ingest under concurrency', () => {
  it('answers 500 concurrent posts of mixed sizes correctly, storing each distinct event once, in fewer transactions', async () => {
    const config = testConfig(`
sources:
  app:
    type: { field: type }
    id: { field: key }
endpoints:
  a: { url: "http://127.0.0.1:9/a" }
  b: { url: "http://127.0.0.1:9/b" }
routes:
  - { from: [app], types: [big], to: [a, b] }
  - { from: [app], types: [small], to: [a] }
`);
    // Paused endpoints keep the dispatcher out of the way: every commit counted is ingest's.
    await pauseEndpoints(config, ['a', 'b']);
    const relay = await startTestRelay(config);
    // 480 distinct keys; 20 posts repeat an earlier key (with the same body).
    const bodies = Array.from({ length: 500 }, (_, i) => {
      const n = i < 480 ? i : i - 480;
      const type = n % 5 === 0 ? 'big' : 'small';
      const padding = 'x'.repeat(type === 'big' ? 16 * 1024 : 200 + (n % 7) * 100);
      return JSON.stringify({ key: `k-${n}`, type, padding });
    });
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await request(`${relay.ingestUrl}/in/app`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
          dispatcher: agent,
        });
        return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const ids = new Map<number, string>();
    answers.forEach((a, i) => {
      const n = i < 480 ? i : i - 480;
      const id = a.json.id as string;
      if (ids.has(n)) expect(id).toBe(ids.get(n));
      else ids.set(n, id);
    });
    // A duplicate either raced ahead of its original (then the original is the duplicate) or came after.
    expect(answers.filter((a) => a.json.duplicate === true)).toHaveLength(20);
    expect(new Set(ids.values()).size).toBe(480);

    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    const commits = Number(/^relay_store_commits_total (\d+)/m.exec(metrics)?.[1]);
    const items = Number(/^relay_store_committed_items_total (\d+)/m.exec(metrics)?.[1]);
    expect(items).toBe(500);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(500);

    // Read back through the Store once the relay has stopped: every event whole, with its fan-out.
    await relay.close();
    const stored = await withStore(config, async (store) => {
      const events = await allEvents(store);
      const bodies = await Promise.all(events.map(async (e) => (await store.reads.event(e.id))!.body));
      return { events, bodies };
    });
    expect(stored.events).toHaveLength(480);
    expect(stored.events.reduce((n, e) => n + e.deliveries.length, 0)).toBe(96 * 2 + 384);
    for (const body of stored.bodies) {
      const { key } = JSON.parse(body.toString()) as { key: string };
      expect(body.equals(Buffer.from(bodies[Number(key.slice(2))]!))).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/db.ts';
import { EventStatements } from '../../src/store/sqlite/events.ts';
import { migrate } from '../../src/store/sqlite/migrate.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

const postEvent = (ingestUrl: string, n: number) =>
  post(`${ingestUrl}/in/app`, JSON.stringify({ type: 't', n })).then((res) => {
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  });

describe('lanes', () => {
  it('never has more than `concurrency` requests in flight to an endpoint', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const relay = await startTestRelay(
      testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  hook: { url: "${target.url}/hook", concurrency: 4 }
routes: [{ from: [app], types: "*", to: [hook] }]
`),
    );
    await Promise.all(Array.from({ length: 20 }, (_, n) => postEvent(relay.ingestUrl, n)));
    for (let released = 0; released < 20; released = target.requests.length) {
      await target.waitFor(Math.min(released + 4, 20));
      expect(target.inFlight).toBeLessThanOrEqual(4);
      target.releaseHeld();
    }
    expect(target.requests).toHaveLength(20);
    expect(target.maxInFlight).toBe(4);
  });

  it('keeps a healthy endpoint flowing while another on the same host never answers', async () => {
    const target = await startTarget((request) =>
      request.path === '/dead' ? { hold: true } : { status: 200 },
    );
    const relay = await startTestRelay(
      testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  dead: { url: "${target.url}/dead", concurrency: 2, timeout: 60s }
  healthy: { url: "${target.url}/healthy", concurrency: 2 }
routes: [{ from: [app], types: "*", to: [dead, healthy] }]
`),
    );
    await Promise.all(Array.from({ length: 50 }, (_, n) => postEvent(relay.ingestUrl, n)));
    await target.waitFor(50, 15_000, (r) => r.path === '/healthy');
    // Every healthy delivery went out while the dead endpoint still held its first two requests.
    expect(target.requests.filter((r) => r.path === '/dead')).toHaveLength(2);
    expect(target.inFlight).toBe(2);
  });

  it('sends a fresh event within its first slots while 10,000 retries are due', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const config = testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  hook: { url: "${target.url}/hook", concurrency: 4 }
routes: [{ from: [app], types: "*", to: [hook] }]
`);
    // A backlog of retries, due now, written before relay starts.
    const db = openDatabase({ path: config.storage.path, durability: 'normal' });
    migrate(db);
    const outbox = new EventStatements(db);
    const past = Date.now() - 60_000;
    db.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        outbox.enqueue({
          id: `evt_backlog_${i}`,
          source: 'app',
          type: 'retry',
          receivedAt: past,
          contentType: 'application/json',
          body: Buffer.from('{}'),
          endpoints: ['hook'],
          idempotency: undefined,
        });
      }
      db.exec('UPDATE deliveries SET attempts = 1, step = 1');
    })();
    db.close();

    const relay = await startTestRelay(config);
    const retries = await target.waitFor(3);
    expect(retries.every((r) => r.headers['x-relay-type'] === 'retry')).toBe(true);
    const fresh = await postEvent(relay.ingestUrl, 1);
    const [arrived] = await target.waitFor(1, 15_000, (r) => r.headers['webhook-id'] === fresh);
    // Three slots went to retries, one was kept for first attempts: the fresh event took it.
    expect(arrived!.n).toBe(4);
    expect(arrived!.headers['x-relay-attempt']).toBe('1');
  });
});

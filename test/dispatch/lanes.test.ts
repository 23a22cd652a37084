import { describe, expect, it } from 'vitest';
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
});

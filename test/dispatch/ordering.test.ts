import { describe, expect, it } from 'vitest';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { type Received, startTarget } from '../helpers/target.ts';

const KEYS = 50;
const PER_KEY = 3;

const keyOf = (r: Received) => (JSON.parse(r.body.toString()) as { handle: string }).handle;

describe('per-key ordering', () => {
  it('sends each key one at a time in ingest order, a failing head holding only its key, keys in parallel', async () => {
    const failedOnce = new Set<string>();
    // Each key's first attempt fails; every answer takes a little while, so keys overlap.
    const target = await startTarget(
      (r) => {
        const key = keyOf(r);
        if (failedOnce.has(key)) return { status: 200, afterMs: 5 };
        failedOnce.add(key);
        return { status: 500, afterMs: 5 };
      },
      { group: keyOf },
    );
    const relay = await startTestRelay(
      testConfig(`
sources: { sms: { type: { field: status } } }
endpoints:
  crm:
    url: "${target.url}/status"
    concurrency: 8
    ordering: { key: handle }
    retry: { schedule: [50ms, 50ms, 50ms, 50ms, 50ms], jitter: 0 }
routes: [{ from: [sms], types: "*", to: [crm] }]
`),
    );
    const posted = new Map<string, string[]>();
    // Interleaved: every key's 1st, then every key's 2nd, ...
    for (let n = 0; n < PER_KEY; n++) {
      await Promise.all(
        Array.from({ length: KEYS }, async (_, k) => {
          const handle = `msg-${k}`;
          const res = await post(`${relay.ingestUrl}/in/sms`, JSON.stringify({ handle, status: `S${n}`, n }));
          expect(res.status).toBe(200);
          posted.set(handle, [...(posted.get(handle) ?? []), (res.json() as { id: string }).id]);
        }),
      );
    }
    // Every event once, plus each key's failed first attempt.
    await target.waitFor(KEYS * PER_KEY + KEYS, 30_000);
    for (const [handle, ids] of posted) {
      const delivered = target.requests
        .filter((r) => keyOf(r) === handle && !(r === target.requests.find((q) => keyOf(q) === handle)))
        .map((r) => r.headers['webhook-id']);
      expect({ handle, delivered }).toEqual({ handle, delivered: ids });
      expect({ handle, most: target.maxInFlightByPath.get(handle) }).toEqual({ handle, most: 1 });
    }
    expect(target.maxInFlight).toBeGreaterThan(1);
  });
});

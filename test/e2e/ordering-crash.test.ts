import { describe, expect, it } from 'vitest';
import { spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { post } from '../helpers/relay.ts';
import { type Received, startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

const KEYS = 50;
const PER_KEY = 4;

const keyOf = (r: Received) => (JSON.parse(r.body.toString()) as { handle: string }).handle;

/** A key's requests as the ids of the events they carried, a repeat of the one before folded into it. */
function sequenceOf(requests: readonly Received[], handle: string): string[] {
  const ids: string[] = [];
  for (const r of requests) {
    if (keyOf(r) !== handle) continue;
    const id = String(r.headers['webhook-id']);
    if (ids.at(-1) !== id) ids.push(id);
  }
  return ids;
}

describe('per-key ordering across a kill -9', () => {
  it('sends every key in ingest order, one at a time, before and after the crash', async () => {
    const failedOnce = new Set<string>();
    // Each key's first attempt fails; answers take a little while, so keys overlap and some are in flight at the kill.
    const target = await startTarget(
      (r) => {
        const key = keyOf(r);
        if (failedOnce.has(key)) return { status: 200, afterMs: 10 };
        failedOnce.add(key);
        return { status: 500, afterMs: 10 };
      },
      { group: keyOf },
    );
    const config = writeDaemonConfig(
      tempDir(),
      `sources: { sms: { type: { field: status } } }
endpoints:
  crm:
    url: "${target.url}/status"
    concurrency: 8
    ordering: { key: handle }
    retry: { schedule: [100ms, 100ms, 100ms, 100ms, 100ms], jitter: 0 }
routes: [{ from: [sms], types: "*", to: [crm] }]
`,
    );
    const posted = new Map<string, string[]>();
    // Interleaved: every key's n-th event, then every key's next; a key's next only once its last was acknowledged.
    const postRound = async (ingestUrl: string, n: number) => {
      await Promise.all(
        Array.from({ length: KEYS }, async (_, k) => {
          const handle = `msg-${k}`;
          const res = await post(`${ingestUrl}/in/sms`, JSON.stringify({ handle, status: `S${n}`, n }));
          expect(res.status).toBe(200);
          posted.set(handle, [...(posted.get(handle) ?? []), (res.json() as { id: string }).id]);
        }),
      );
    };
    let relay = await spawnRelay(['--config', config]);
    for (let n = 0; n < PER_KEY / 2; n++) await postRound(relay.ingestUrl, n);
    // Mid-run: the failed first attempts and some deliveries are done, others wait or are in flight.
    await target.waitFor(KEYS + 30, 20_000);
    relay.child.kill('SIGKILL');
    await relay.exited;
    const beforeCrash = target.requests.length;
    relay = await spawnRelay(['--config', config]);
    for (let n = PER_KEY / 2; n < PER_KEY; n++) await postRound(relay.ingestUrl, n);

    // Done once every event has been answered 200: sent in any request but its key's first.
    const done = (requests: Received[]) => {
      const firsts = new Set(Object.values(Object.groupBy(requests, keyOf)).map((list) => list![0]));
      const ok = new Set(requests.filter((r) => !firsts.has(r)).map((r) => String(r.headers['webhook-id'])));
      return [...posted.values()].every((ids) => ids.every((id) => ok.has(id)));
    };
    await target.until(done, 20_000);
    expect(beforeCrash).toBeLessThan(KEYS * PER_KEY);
    for (const [handle, ids] of posted) {
      // At-least-once: a redelivery after the crash may repeat the last one sent, never go back further.
      expect({ handle, sent: sequenceOf(target.requests, handle) }).toEqual({ handle, sent: ids });
      expect({ handle, most: target.maxInFlightByPath.get(handle) }).toEqual({ handle, most: 1 });
    }
    expect(target.maxInFlight).toBeGreaterThan(1);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

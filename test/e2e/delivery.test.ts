import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Acks } from '../helpers/acks.ts';
import { ingestEvent, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { allDeliveries, withStore } from '../helpers/store.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

function writeConfig(dir: string, targetUrl: string, extra = ''): string {
  const file = writeDaemonConfig(
    dir,
    `${extra}
sources:
  app: { type: { field: type } }
endpoints:
  hook:
    url: "${targetUrl}/hook"
    concurrency: 4
    retry: { schedule: [200ms, 1s], jitter: 0 }
routes: [{ from: [app], types: "*", to: [hook] }]
`,
  );
  return file;
}

describe('delivery through the real process', () => {
  it('delivers every acknowledged event at least once across a kill -9 and a restart', async () => {
    const target = await startTarget();
    const dir = tempDir();
    const config = writeConfig(dir, target.url);
    const acked = new Acks();
    let relay = await spawnRelay(['--config', config]);
    let next = 0;
    const pump = async (url: string, until: () => boolean) => {
      const workers = Array.from({ length: 16 }, async () => {
        while (!until() && next < 2_000) {
          const id = await ingestEvent(url, { type: 'e2e', n: next++ });
          if (id) acked.add(id);
        }
      });
      await Promise.all(workers);
    };
    let killed = false;
    await Promise.all([
      pump(relay.ingestUrl, () => killed),
      (async () => {
        await acked.reach(1_000);
        relay.child.kill('SIGKILL');
        killed = true;
      })(),
    ]);
    expect(await relay.exited).toBe(null);
    relay = await spawnRelay(['--config', config]);
    await pump(relay.ingestUrl, () => false);
    expect(next).toBe(2_000);
    expect(acked.size).toBeGreaterThan(1_900);

    const lost = await target.missing(acked, 60_000);
    const seen = new Map<string, number>();
    for (const r of target.requests) {
      const id = r.headers['webhook-id'] as string;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    const duplicates = [...seen.values()].filter((count) => count > 1).length;
    console.info(
      `kill -9 run: ${acked.size} acknowledged, ${lost.length} lost, ${duplicates} delivered twice`,
    );
    expect(lost).toEqual([]);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('lets in-flight attempts finish on SIGTERM, exits 0, and delivers the rest after a restart', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const dir = tempDir();
    const config = writeConfig(dir, target.url);
    const relay = await spawnRelay(['--config', config]);
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, n) => ingestEvent(relay.ingestUrl, { type: 'e2e', n: n })),
    );
    await target.waitFor(4);
    relay.child.kill('SIGTERM');
    // Once it is stopping, the relay waits (shutdown_grace) for the four held requests; answer them.
    await relay.waitForLog('stopping');
    target.releaseHeld(200);
    expect(await relay.exited).toBe(0);
    expect(target.requests).toHaveLength(4);
    /** The stopped relay's deliveries, counted by state through the Store. */
    const states = async () => {
      const counts = new Map<string, number>();
      for (const d of await withStore(join(dir, 'relay.db'), allDeliveries))
        counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
      return [...counts.keys()].sort().map((state) => ({ state, n: counts.get(state) }));
    };
    expect(await states()).toEqual([
      { state: 'delivered', n: 4 },
      { state: 'pending', n: 6 },
    ]);

    const healthy = await startTarget();
    const again = await spawnRelay(['--config', writeConfig(dir, healthy.url)]);
    await healthy.waitFor(6);
    const delivered = new Set([...target.requests, ...healthy.requests].map((r) => r.headers['webhook-id']));
    expect([...delivered].sort()).toEqual([...ids].sort());
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(await states()).toEqual([{ state: 'delivered', n: 10 }]);
  });

  it('starts no attempt once SIGTERM arrives, while ingest still waits for an unfinished upload', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const dir = tempDir();
    const relay = await spawnRelay(['--config', writeConfig(dir, target.url)]);
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => ingestEvent(relay.ingestUrl, { type: 'e2e', n: n })),
    );
    await target.waitFor(4);
    // An upload that never finishes: ingest's close waits for it (up to its 5 s deadline), and
    // the four held attempts are answered meanwhile, freeing four slots.
    const upload = connect(Number(new URL(relay.ingestUrl).port), '127.0.0.1');
    await once(upload, 'connect');
    upload.write('POST /in/app HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"partial":');
    upload.on('error', () => {});
    relay.child.kill('SIGTERM');
    await relay.waitForLog('stopping');
    target.releaseHeld(200);
    expect(await relay.exited).toBe(0);
    upload.destroy();
    expect(target.requests).toHaveLength(4);
  });

  it('cuts off attempts still running after shutdown_grace without using a step', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const dir = tempDir();
    const config = writeConfig(dir, target.url, 'delivery: { shutdown_grace: 300ms }');
    const relay = await spawnRelay(['--config', config]);
    await Promise.all(
      Array.from({ length: 2 }, (_, n) => ingestEvent(relay.ingestUrl, { type: 'e2e', n: n })),
    );
    await target.waitFor(2);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    const rows = (await withStore(join(dir, 'relay.db'), allDeliveries)).map(({ state, attempts, step }) => ({
      state,
      attempts,
      step,
    }));
    expect(rows).toEqual([
      { state: 'pending', attempts: 0, step: 0 },
      { state: 'pending', attempts: 0, step: 0 },
    ]);
  });
});

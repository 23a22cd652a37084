/**
 * SQLite's size cap (`storage.max_size`) reached by the real daemon; kept
 * apart from faults.test.ts because the cap is SQLite's alone (PostgreSQL's
 * disk is the server's, README "Storage backends").
 */
import { describe, expect, it } from 'vitest';
import { listEvents } from '../admin/api.ts';
import { spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

describe('disk full', () => {
  it('answers 503 with Retry-After when the database cannot grow, stays up, stores nothing half, and recovers', async () => {
    const target = await startTarget();
    const dir = tempDir();
    const config = writeDaemonConfig(
      dir,
      `storage: { max_size: 1MiB, retention: 1ms }
sources: { app: { type: { field: type } } }
endpoints: { hook: { url: "${target.url}/hook" } }
routes: [{ from: [app], types: "*", to: [hook] }]
`,
    );
    // At debug level the daemon logs each retention pass that removed something.
    const relay = await spawnRelay(['--config', config, '--log-level', 'debug']);
    await fetch(`${relay.adminUrl}/admin/endpoints/hook/pause`, { method: 'POST' });
    const acked: string[] = [];
    let refusal: Response | undefined;
    for (let n = 0; n < 2_000 && !refusal; n++) {
      const res = await fetch(`${relay.ingestUrl}/in/app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'fill', n, pad: 'x'.repeat(4_000) }),
      });
      if (res.status === 200) acked.push(((await res.json()) as { id: string }).id);
      else refusal = res;
    }
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers.get('retry-after')).toBe('30');
    expect(await refusal?.json()).toMatchObject({ error: { code: 'RELAY_ERR_STORAGE_FULL' } });
    expect(relay.child.exitCode).toBe(null);
    // Every acknowledged event is whole (with its delivery); nothing of the refused one was stored.
    const stored = await listEvents(relay.adminUrl);
    expect(stored.map((e) => e.id).sort()).toEqual([...acked].sort());
    expect(stored.filter((e) => e.deliveries.length === 0)).toEqual([]);

    // Room returns once the deliveries finish and retention prunes them.
    await fetch(`${relay.adminUrl}/admin/endpoints/hook/resume`, { method: 'POST' });
    await target.waitFor(acked.length, 30_000);
    // Each retention pass that removes something is logged (at debug): after each, one
    // more event is tried, listening for the next pass before trying so none is missed.
    let recovered = 0;
    for (let tries = 0; tries < 6 && recovered !== 200; tries++) {
      const pass = relay.waitForLog('retention pass', 25_000);
      recovered = (
        await fetch(`${relay.ingestUrl}/in/app`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'after', tries, pad: 'x'.repeat(4_000) }),
        })
      ).status;
      if (recovered !== 200) await pass;
      else pass.catch(() => {});
    }
    expect(recovered).toBe(200);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

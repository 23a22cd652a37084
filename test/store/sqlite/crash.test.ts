import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/store.ts';
import { spawnScript } from '../../helpers/process.ts';
import { tempDir } from '../../helpers/temp.ts';

/**
 * The contract suite's `crash` for SQLite copies the database and its WAL
 * while the store is open and idle (test/store/contract/backends.ts). This
 * is the same story with a real kill -9, once: the lock dies with the
 * process, what it acknowledged is there, and its claims come back.
 */
describe('a SQLite store killed with SIGKILL', () => {
  it('leaves what it acknowledged, and its claims in flight for recover', async () => {
    const path = join(tempDir(), 'relay.db');
    const storeModule = resolve('src/store/sqlite/store.ts');
    const { child, output } = await spawnScript(
      `import { openSqliteStore } from ${JSON.stringify(storeModule)};
         const store = await openSqliteStore({ path: ${JSON.stringify(path)}, durability: 'full', minFreeDisk: () => 0 });
         const event = (id) => ({ id, source: 's', type: 't', receivedAt: 1000, contentType: undefined,
           body: Buffer.from(id), endpoints: ['crm'], idempotency: undefined });
         await Promise.all(['evt_1', 'evt_2', 'evt_3'].map((id) => store.enqueue(event(id))));
         const [claim] = await store.claim([{ endpoint: 'crm', fresh: 2, retries: 0, leaseUntil: 60000 }], 1000);
         console.log(JSON.stringify(claim.fresh.map((d) => ({ id: d.id, claim: d.claim }))));
         setInterval(() => {}, 1000);`,
    );
    const leased = JSON.parse(output) as { id: number; claim: number }[];
    expect(leased).toHaveLength(2);
    child.kill('SIGKILL');
    await once(child, 'exit');

    const store = await openSqliteStore({ path, durability: 'full', minFreeDisk: () => 0 });
    try {
      for (const id of ['evt_1', 'evt_2', 'evt_3'])
        expect((await store.reads.event(id))?.body.toString()).toBe(id);
      expect(await store.recover(2000)).toBe(2);
      const stale = leased.map((d) => ({
        deliveryId: d.id,
        claim: d.claim,
        attempt: undefined,
        next: 'delivered' as const,
      }));
      expect(await store.complete(stale, 2000)).toEqual([false, false]);
      const [claim] = await store.claim(
        [{ endpoint: 'crm', fresh: 10, retries: 0, leaseUntil: 70000 }],
        2000,
      );
      expect(claim?.fresh).toHaveLength(3);
    } finally {
      await store.close();
    }
  });
});

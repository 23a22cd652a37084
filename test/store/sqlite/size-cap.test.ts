import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/store.ts';
import { tempDir } from '../../helpers/temp.ts';
import { ask, completion, event, T0 } from '../contract/fixtures.ts';

describe('storage.max_size', () => {
  it('stops new events at a reserve short of the cap, so claims and completions still fit', async () => {
    const store = await openSqliteStore({
      path: join(tempDir(), 'relay.db'),
      durability: 'normal',
      maxSize: 1024 * 1024,
      minFreeDisk: () => 0,
    });
    const pad = Buffer.alloc(4_000, 'x');
    let stored = 0;
    while (store.refusal() === undefined) {
      await store.enqueue(event({ body: pad }));
      stored++;
      expect(stored).toBeLessThan(1_000);
    }
    expect(store.refusal()).toMatchObject({ code: 'RELAY_ERR_STORAGE_FULL' });
    // Every stored delivery can still be claimed and completed inside the reserve.
    const [claim] = await store.claim([ask('crm', { fresh: stored, retries: 0 })], T0);
    expect(claim!.fresh).toHaveLength(stored);
    const applied = await store.complete(
      claim!.fresh.map((d) => completion(d, { next: 'delivered' })),
      T0 + 1,
    );
    expect(applied.every(Boolean)).toBe(true);
    expect((await store.unfinishedCounts()).get('crm') ?? 0).toBe(0);
    await store.close();
  });
});

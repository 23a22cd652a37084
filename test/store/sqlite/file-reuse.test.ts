import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../helpers/clock.ts';
import { post, startTestRelay, testConfig } from '../../helpers/relay.ts';
import { watchSettled } from '../../helpers/settled.ts';
import { startTarget } from '../../helpers/target.ts';

/** The database's size in pages, read on a second connection (SQLite's own measure of the file). */
function pageCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('page_count', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('retention on SQLite', () => {
  it('keeps the file from growing across repeated fill-and-prune cycles', async () => {
    const target = await startTarget();
    // Keyed events, so each cycle also leaves idempotency keys to prune.
    const config = testConfig(
      [
        'storage: { retention: 1s, dedup_window: 1s }',
        'sources: { app: { type: { field: type }, id: { field: key } } }',
        `endpoints: { ok: { url: "${target.url}/ok" } }`,
        'routes: [{ from: [app], to: [ok] }]',
      ].join('\n'),
    );
    const clock = new ManualClock(Date.now());
    const relay = await startTestRelay(config, clock);
    const outcomes = watchSettled();
    const send = async (key: string) => {
      const res = await post(
        `${relay.ingestUrl}/in/app`,
        JSON.stringify({ type: 'a', key, pad: 'x'.repeat(4_000) }),
      );
      expect(res.status).toBe(200);
    };
    const pages: number[] = [];
    let sent = 0;
    for (let cycle = 0; cycle < 6; cycle++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => send(`c${cycle}-${i}`)));
      sent += 200;
      await target.waitFor(sent, 30_000);
      await outcomes.until(sent, { settlement: { kind: 'delivered' }, applied: true }, { timeoutMs: 20_000 });
      clock.advance(2_000);
      expect(await relay.pruneNow()).toMatchObject({ deliveries: 200, events: 200 });
      pages.push(pageCount(config.storage.path));
    }
    // After the first cycles have sized the file, later cycles reuse or return its pages.
    expect(Math.max(...pages.slice(2))).toBeLessThanOrEqual(pages[1]! * 1.1);
  });
});

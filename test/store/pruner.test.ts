import { describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/clock.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { pauseEndpoints, readDatabase } from '../helpers/sqlite.ts';
import { startTarget } from '../helpers/target.ts';

function counts(path: string) {
  return readDatabase(path, (db) => ({
    events: (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n,
    deliveries: db
      .prepare(
        'SELECT endpoint, state, count(*) AS n FROM deliveries GROUP BY endpoint, state ORDER BY endpoint',
      )
      .all(),
    attempts: (db.prepare('SELECT count(*) AS n FROM attempts').get() as { n: number }).n,
    keys: (db.prepare('SELECT count(*) AS n FROM idempotency_keys').get() as { n: number }).n,
    pages: db.pragma('page_count', { simple: true }) as number,
  }));
}

async function setup() {
  const target = await startTarget();
  const config = testConfig(`
storage: { retention: 1s, dedup_window: 1s }
sources: { app: { type: { field: type }, id: { field: key } } }
endpoints:
  ok: { url: "${target.url}/ok" }
  stuck: { url: "${target.url}/stuck" }
routes:
  - { from: [app], types: [a], to: [ok] }
  - { from: [app], types: [b], to: [ok, stuck] }
`);
  // `stuck` is paused: its deliveries stay pending, and pending work is never pruned.
  await pauseEndpoints(config.storage.path, ['stuck']);
  const clock = new ManualClock(Date.now());
  const relay = await startTestRelay(config, clock);
  const send = async (type: string, key: string, padding = 0) => {
    const res = await post(
      `${relay.ingestUrl}/in/app`,
      JSON.stringify({ type, key, pad: 'x'.repeat(padding) }),
    );
    expect(res.status).toBe(200);
  };
  return { target, config, clock, relay, send };
}

describe('retention', () => {
  it('prunes finished deliveries, their attempts and emptied events, never pending work', async () => {
    const { target, config, clock, relay, send } = await setup();
    for (let i = 0; i < 10; i++) await send('a', `a${i}`);
    for (let i = 0; i < 5; i++) await send('b', `b${i}`);
    await target.waitFor(15);
    for (let i = 0; i < 100 && counts(config.storage.path).attempts < 15; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(counts(config.storage.path)).toMatchObject({ events: 15, attempts: 15, keys: 15 });

    // Not yet past retention: nothing goes.
    expect(await relay.pruneNow()).toMatchObject({ deliveries: 0, events: 0 });
    clock.advance(2_000);
    const pruned = await relay.pruneNow();
    expect(pruned).toMatchObject({ deliveries: 15, events: 10, keys: 15 });
    expect(counts(config.storage.path)).toMatchObject({
      events: 5,
      attempts: 0,
      keys: 0,
      deliveries: [{ endpoint: 'stuck', state: 'pending', n: 5 }],
    });
  });

  it('keeps the file from growing across repeated fill-and-prune cycles', async () => {
    const { target, config, clock, relay, send } = await setup();
    const pages: number[] = [];
    let sent = 0;
    for (let cycle = 0; cycle < 6; cycle++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => send('a', `c${cycle}-${i}`, 4_000)));
      sent += 200;
      await target.waitFor(sent, 30_000);
      for (let i = 0; i < 200 && counts(config.storage.path).attempts < 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      clock.advance(2_000);
      await relay.pruneNow();
      pages.push(counts(config.storage.path).pages);
    }
    expect(counts(config.storage.path).events).toBe(0);
    // After the first cycles have sized the file, later cycles reuse or return its pages.
    expect(Math.max(...pages.slice(2))).toBeLessThanOrEqual(pages[1]! * 1.1);
  });
});

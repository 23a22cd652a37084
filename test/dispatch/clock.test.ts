import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startRelay } from '../../src/main.ts';
import { ManualClock } from '../helpers/clock.ts';
import { post, testConfig } from '../helpers/relay.ts';
import { readDatabase } from '../helpers/sqlite.ts';
import { startTarget } from '../helpers/target.ts';

const HOUR = 3_600_000;

describe('a schedule of hours, with the clock replaced', () => {
  it('is followed step by step, across a restart in the middle of it', async () => {
    const target = await startTarget((request) => (request.n < 4 ? { status: 500 } : { status: 200 }));
    const config = testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  hook:
    url: "${target.url}/hook"
    retry: { schedule: [1h, 2h, 4h], jitter: 0, max_age: 1d }
routes: [{ from: [app], types: "*", to: [hook] }]
`);
    const clock = new ManualClock();
    const start = clock.now();
    const row = () =>
      readDatabase(config.storage.path, (db) =>
        db.prepare('SELECT state, attempts, step, next_attempt_at FROM deliveries').get(),
      ) as { state: string; attempts: number; step: number; next_attempt_at: number };
    const settle = async (attempts: number) => {
      for (let i = 0; i < 200 && row().attempts < attempts; i++) await new Promise((r) => setTimeout(r, 10));
      return row();
    };
    const log = createLogger('silent');

    let relay = await startRelay(config, { clock, log });
    await post(`${relay.ingestUrl}/in/app`, '{"type":"t"}');
    await target.waitFor(1);
    expect(await settle(1)).toMatchObject({ state: 'pending', step: 1, next_attempt_at: start + HOUR });

    // Just short of the hour nothing is due.
    clock.advance(HOUR - 1);
    relay.wake();
    await new Promise((r) => setTimeout(r, 100));
    expect(target.requests).toHaveLength(1);

    clock.advance(1);
    relay.wake();
    await target.waitFor(2);
    expect(await settle(2)).toMatchObject({ step: 2, next_attempt_at: start + 3 * HOUR });

    // Restart in the middle of the schedule: the next step is read back from the database.
    await relay.close();
    relay = await startRelay(config, { clock, log });
    clock.advance(2 * HOUR);
    relay.wake();
    await target.waitFor(3);
    expect(await settle(3)).toMatchObject({ step: 3, next_attempt_at: start + 7 * HOUR });

    clock.advance(4 * HOUR);
    relay.wake();
    await target.waitFor(4);
    for (let i = 0; i < 200 && row().state !== 'delivered'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(row()).toMatchObject({ state: 'delivered', attempts: 4, step: 3 });
    expect(target.requests.map((r) => r.headers['x-relay-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(target.requests.map((r) => Number(r.headers['webhook-timestamp']) * 1000 - start)).toEqual([
      0,
      HOUR,
      3 * HOUR,
      7 * HOUR,
    ]);
    await relay.close();
  });
});

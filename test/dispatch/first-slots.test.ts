/**
 * The first-attempt slots under a backlog of retries. The backlog is written
 * through the SQLite statements before relay starts (10,000 rows in one
 * transaction, already retried once), so this case runs on SQLite only.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/db.ts';
import { EventStatements } from '../../src/store/sqlite/events.ts';
import { migrate } from '../../src/store/sqlite/migrate.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

const postEvent = (ingestUrl: string, n: number) =>
  post(`${ingestUrl}/in/app`, JSON.stringify({ type: 't', n })).then((res) => {
    expect(res.status).toBe(200);
    return (res.json() as { id: string }).id;
  });

describe('lanes', () => {
  it('sends a fresh event within its first slots while 10,000 retries are due', async () => {
    const target = await startTarget(() => ({ hold: true }));
    const config = testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  hook: { url: "${target.url}/hook", concurrency: 4 }
routes: [{ from: [app], types: "*", to: [hook] }]
`);
    // A backlog of retries, due now, written before relay starts.
    const db = openDatabase({ path: config.storage.path });
    migrate(db);
    const outbox = new EventStatements(db);
    const past = Date.now() - 60_000;
    db.transaction(() => {
      for (let i = 0; i < 10_000; i++) {
        outbox.enqueue({
          id: `evt_backlog_${i}`,
          source: 'app',
          type: 'retry',
          receivedAt: past,
          contentType: 'application/json',
          body: Buffer.from('{}'),
          endpoints: ['hook'],
          idempotency: undefined,
        });
      }
      db.exec('UPDATE deliveries SET attempts = 1, step = 1');
    })();
    db.close();

    const relay = await startTestRelay(config);
    const retries = await target.waitFor(3);
    expect(retries.every((r) => r.headers['x-relay-type'] === 'retry')).toBe(true);
    const fresh = await postEvent(relay.ingestUrl, 1);
    const [arrived] = await target.waitFor(1, 15_000, (r) => r.headers['webhook-id'] === fresh);
    // Three slots went to retries, one was kept for first attempts: the fresh event took it.
    expect(arrived!.n).toBe(4);
    expect(arrived!.headers['x-relay-attempt']).toBe('1');
  });
});

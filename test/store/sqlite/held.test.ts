import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, writeDaemonConfig } from '../../helpers/process.ts';
import { post, startTestRelay, testConfig } from '../../helpers/relay.ts';
import { tempDir } from '../../helpers/temp.ts';

/** SQLite's own locking: another connection on relay's file (moved here from ingest/unavailable and e2e/faults). */

/** Events of `app` go to an endpoint nothing listens on: only ingest matters here. */
const sources = [
  'sources: { app: { type: { field: type } } }',
  'endpoints: { a: { url: "http://127.0.0.1:9/a" } }',
  'routes: [{ from: [app], to: [a] }]',
].join('\n');

describe('another connection on the database', () => {
  it('answers 503 quickly while another connection holds the write lock, and recovers after', async () => {
    const config = testConfig(sources);
    const relay = await startTestRelay(config);
    const blocker = new Database(config.storage.path);
    blocker.exec('BEGIN IMMEDIATE');
    const busy = await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.json()).toMatchObject({
      error: { code: 'RELAY_ERR_STORAGE_BUSY', message: 'the database is busy; try again' },
    });
    const ready = await fetch(`${relay.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
    blocker.exec('ROLLBACK');
    blocker.close();
    expect((await post(`${relay.ingestUrl}/in/app`, '{"type":"x"}')).status).toBe(200);
    expect((await fetch(`${relay.adminUrl}/readyz`)).status).toBe(200);
  });

  it('exits with one clear line when another program holds the database at start', async () => {
    const dir = tempDir();
    const path = join(dir, 'relay.db');
    const holder = new Database(path);
    holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    const { code, stderr } = await runCli(['--config', writeDaemonConfig(dir, '')]);
    holder.exec('ROLLBACK');
    holder.close();
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `relay: cannot open ${path}: database is locked (another program holds it)`,
    ]);
  });
});

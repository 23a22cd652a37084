import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Acks } from '../../helpers/acks.ts';
import { freshPostgresDatabase, postgresServerUrl } from '../../helpers/postgres.ts';
import { ingestEvent, runCli, spawnRelay } from '../../helpers/process.ts';
import { startTarget } from '../../helpers/target.ts';
import { tempDir } from '../../helpers/temp.ts';

/** A relay.yaml on the PostgreSQL named by $RELAY_DATABASE_URL, listening on 127.0.0.1 port 0. */
function writeConfig(targetUrl: string, extra = ''): string {
  const file = join(tempDir(), 'relay.yaml');
  writeFileSync(
    file,
    `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { backend: postgres, url: "\${RELAY_DATABASE_URL}", pool: 4 }
${extra}
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

async function deliveryStates(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT state, count(*)::int AS n FROM deliveries GROUP BY state');
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  } finally {
    await client.end();
  }
}

/** Statements on the server's maintenance database, as the server's admin. */
async function admin(serverUrl: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('a relay process on PostgreSQL', () => {
  it('delivers what it acknowledged, across a kill -9 and a restart under the same instance name', async () => {
    const db = await freshPostgresDatabase();
    const env = { RELAY_DATABASE_URL: db.url };
    const target = await startTarget();
    const config = writeConfig(target.url, 'cluster: { instance: e2e }');
    const acked = new Acks();
    let relay = await spawnRelay(['--config', config], env);
    expect(relay.logs.find((l) => l.msg === 'relay started')?.database).toMatch(
      /^postgres:\/\/\*\*\*:\*\*\*@127\.0\.0\.1/,
    );
    for (let n = 0; n < 40; n++) {
      const id = await ingestEvent(relay.ingestUrl, { type: 'e2e', n });
      if (id) acked.add(id);
    }
    await target.waitFor(10);
    relay.child.kill('SIGKILL');
    await relay.exited;
    relay = await spawnRelay(['--config', config], env);
    for (let n = 40; n < 80; n++) {
      const id = await ingestEvent(relay.ingestUrl, { type: 'e2e', n });
      if (id) acked.add(id);
    }
    expect(acked.size).toBe(80);
    expect(await target.missing(acked, 20_000)).toEqual([]);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    const states = await deliveryStates(db.url);
    expect(states.delivered).toBe(80);
  });

  it('answers 503 with Retry-After while the database refuses connections, and recovers by itself', async () => {
    const db = await freshPostgresDatabase();
    const target = await startTarget();
    const relay = await spawnRelay(['--config', writeConfig(target.url, 'cluster: { instance: outage }')], {
      RELAY_DATABASE_URL: db.url,
    });
    const acked = new Acks();
    const add = (id: string | undefined) => id && acked.add(id);
    add(await ingestEvent(relay.ingestUrl, { type: 'before' }));
    // The database goes away: no new connection is allowed, and every open one is ended.
    await admin(postgresServerUrl(), [
      `ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`,
    ]);
    const refused = await fetch(`${relay.ingestUrl}/in/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"during"}',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ error: { code: 'RELAY_ERR_STORAGE_BUSY' } });
    expect((await fetch(`${relay.adminUrl}/readyz`)).status).toBe(503);
    await admin(postgresServerUrl(), [`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`]);
    for (let n = 0; n < 20; n++) add(await ingestEvent(relay.ingestUrl, { type: 'after', n }));
    expect(acked.size).toBe(21);
    expect(await target.missing(acked, 20_000)).toEqual([]);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('exits 1 saying the database is unreachable, and check says so too', async () => {
    const target = await startTarget();
    const config = writeConfig(target.url);
    const env = { RELAY_DATABASE_URL: 'postgres://relay:secret@127.0.0.1:1/relay' };
    const run = await runCli(['--config', config], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^relay: the database is unreachable: .*ECONNREFUSED/m);
    expect(run.stderr).not.toContain('secret');
    const check = await runCli(['check', '--config', config], env);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('config OK');
    expect(check.stdout).toMatch(
      /database postgres:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1\/relay cannot be read \(relay would not start\):\n {2}the database is unreachable/,
    );
  });

  it('exits 1 on a wrong password, and check reads a reachable database', async () => {
    const db = await freshPostgresDatabase();
    const target = await startTarget();
    const config = writeConfig(target.url);
    const wrong = new URL(db.url);
    wrong.password = 'wrong-password';
    const run = await runCli(['--config', config], { RELAY_DATABASE_URL: wrong.toString() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /refused relay's login \(check storage\.url\): password authentication failed/,
    );
    const check = await runCli(['check', '--config', config], { RELAY_DATABASE_URL: db.url });
    expect(check).toMatchObject({ code: 0, stderr: '' });
    expect(check.stdout).not.toContain('cannot be read');
  });

  it('exits 1 on a schema from a newer relay, saying so, and leaves the database as it was', async () => {
    const db = await freshPostgresDatabase();
    const target = await startTarget();
    const config = writeConfig(target.url);
    const env = { RELAY_DATABASE_URL: db.url };
    const first = await spawnRelay(['--config', config], env);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // A later relay migrated this database further than this one knows.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('INSERT INTO relay_schema (version, applied_at) VALUES (999, 0)');
    } finally {
      await client.end();
    }
    const run = await runCli(['--config', config], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^relay: database schema version 999 is newer than this relay knows \(\d+\); upgrade relay$/m,
    );
    expect(run.stderr).not.toContain(new URL(db.url).password);
    const after = new pg.Client({ connectionString: db.url });
    await after.connect();
    try {
      const { rows } = await after.query('SELECT max(version)::int AS version FROM relay_schema');
      expect(rows).toEqual([{ version: 999 }]);
    } finally {
      await after.end();
    }
  });

  it('refuses a postgres backend without a url, and SQLite keys beside it', async () => {
    const file = join(tempDir(), 'relay.yaml');
    writeFileSync(
      file,
      'storage: { backend: postgres, path: ./x.db, durability: normal }\ncluster: { lease: 10s }\n',
    );
    const bad = await runCli(['check', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('storage.url: required when storage.backend is postgres');
    expect(bad.stderr).toContain('storage.path: only for storage.backend: sqlite');
    expect(bad.stderr).toContain('storage.durability: only for storage.backend: sqlite');
    writeFileSync(file, 'storage: { url: "postgres://h/db", pool: 3 }\ncluster: { lease: 10s }\n');
    const sqlite = await runCli(['check', '--config', file]);
    expect(sqlite.code).toBe(2);
    expect(sqlite.stderr).toContain('storage.url: only for storage.backend: postgres');
    expect(sqlite.stderr).toContain('storage.pool: only for storage.backend: postgres');
    expect(sqlite.stderr).toContain('cluster: only for storage.backend: postgres');
    writeFileSync(file, 'storage: { backend: postgres, url: "mysql://h/db" }\n');
    expect((await runCli(['check', '--config', file])).stderr).toContain(
      'storage.url: must be a postgres:// or postgresql:// URL',
    );
  });
});

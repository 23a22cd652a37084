import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { findPostgresBin } from '../../scripts/lib/postgres-server.ts';
import { freshPostgresDatabase } from './postgres.ts';

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe('test PostgreSQL server', () => {
  it('gives each test a fresh database of its own, on PostgreSQL 13 or later', async () => {
    const first = await freshPostgresDatabase();
    const second = await freshPostgresDatabase();
    expect(first.name).not.toBe(second.name);

    await withClient(first.url, async (client) => {
      const { rows } = await client.query(
        'SELECT current_database() AS name, current_setting($1)::int AS version',
        ['server_version_num'],
      );
      expect(rows[0]).toMatchObject({ name: first.name });
      expect(rows[0].version).toBeGreaterThanOrEqual(130000);
      await client.query('CREATE TABLE events (id text PRIMARY KEY)');
      await client.query("INSERT INTO events VALUES ('evt_1')");
    });

    await withClient(second.url, async (client) => {
      const { rows } = await client.query("SELECT to_regclass('events') AS events");
      expect(rows[0].events).toBeNull();
    });
  });

  it('drops a database even while a connection to it is open', async () => {
    const db = await freshPostgresDatabase();
    const open = new pg.Client({ connectionString: db.url });
    await open.connect();
    open.on('error', () => {}); // the server ends this connection: expected
    await db.drop();
    await db.drop();
    await expect(withClient(db.url, async () => {})).rejects.toMatchObject({ code: '3D000' }); // invalid_catalog_name
    await open.end().catch(() => {});
  });

  it('refuses a wrong password over TCP, as a deployed server does', async () => {
    const db = await freshPostgresDatabase();
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password';
    await expect(withClient(wrong.toString(), async () => {})).rejects.toMatchObject({ code: '28P01' });
  });

  it('says how to install PostgreSQL when its binaries are missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'relay-no-pg-'));
    try {
      expect(() => findPostgresBin(empty)).toThrow(/apt-get install postgresql/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

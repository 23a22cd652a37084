/**
 * A fresh database on a running PostgreSQL server (its maintenance database
 * URL, as scripts/lib/postgres-server.ts gives or RELAY_TEST_POSTGRES_URL
 * names), so runs that share a server never see each other's tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  /** The server's URL with this database in its path. */
  url: string;
  name: string;
  /** Ends its connections and removes it. */
  drop(): Promise<void>;
}

export async function scratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  // The name is ours, [a-z0-9_]: nothing to quote but the identifier itself.
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    // FORCE (PostgreSQL 13+) ends the connections still open rather than waiting for them.
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

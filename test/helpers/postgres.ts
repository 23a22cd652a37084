/**
 * A fresh PostgreSQL database per test on the run's one server
 * (test/helpers/postgres-global-setup.ts). Databases not dropped by the test
 * are dropped after it, whatever connections it left open (unless made to
 * outlive it).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    relayPostgres: { url: string } | { error: string };
  }
}

export interface FreshDatabase {
  /** The server's URL with this database in its path. */
  url: string;
  name: string;
  /** Drops the database, ending any connection to it. Safe to call twice. */
  drop(): Promise<void>;
}

const undropped = new Set<FreshDatabase>();

afterEach(async () => {
  await Promise.all([...undropped].map((db) => db.drop()));
});

/** The run's server (its maintenance database `postgres`); a server that could not start fails the test here. */
export function postgresServerUrl(): string {
  const server = inject('relayPostgres');
  if ('error' in server) throw new Error(`the test PostgreSQL server did not start: ${server.error}`);
  return server.url;
}

/** `outliveTest`: not dropped after the current test; the caller drops it. */
export async function freshPostgresDatabase({ outliveTest = false } = {}): Promise<FreshDatabase> {
  const serverUrl = postgresServerUrl();
  const name = `relay_test_${randomBytes(6).toString('hex')}`;
  // The name is ours, [a-z0-9_]: nothing to quote but the identifier itself.
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  const db: FreshDatabase = {
    url: url.toString(),
    name,
    drop: () => {
      undropped.delete(db);
      // FORCE (PostgreSQL 13+) ends the test's own pools rather than waiting for them.
      dropped ??= admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return dropped;
    },
  };
  if (!outliveTest) undropped.add(db);
  return db;
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

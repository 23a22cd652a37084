/**
 * A fresh PostgreSQL database per test on the run's one server
 * (test/helpers/postgres-global-setup.ts). Databases not dropped by the test
 * are dropped after it, whatever connections it left open (unless made to
 * outlive it).
 */
import { afterEach, inject } from 'vitest';
import { scratchDatabase } from '../../scripts/lib/postgres-database.ts';

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
  const scratch = await scratchDatabase(postgresServerUrl(), 'relay_test');
  let dropped: Promise<void> | undefined;
  const db: FreshDatabase = {
    url: scratch.url,
    name: scratch.name,
    drop: () => {
      undropped.delete(db);
      dropped ??= scratch.drop();
      return dropped;
    },
  };
  if (!outliveTest) undropped.add(db);
  return db;
}

/**
 * Which storage backend the relays a test starts run on: SQLite unless
 * RELAY_TEST_BACKEND=postgres (the `postgres` vitest project sets it).
 *
 * On PostgreSQL each storage location a test names (a relay.db path) stands
 * for a database of its own: the same path, the same database, so a relay
 * killed and restarted "on the same file" finds what it stored; two paths,
 * two databases. Configs are built synchronously, so the databases are made
 * ahead, before each test (postgres-backend-setup.ts), handed out here by
 * path, and dropped after the test that used them.
 */
import { resolve } from 'node:path';
import type { RelayConfig } from '../../src/config/schema.ts';
import { type FreshDatabase, freshPostgresDatabase } from './postgres.ts';

export type TestBackend = 'sqlite' | 'postgres';

export function testBackend(): TestBackend {
  const named = process.env.RELAY_TEST_BACKEND ?? 'sqlite';
  if (named !== 'sqlite' && named !== 'postgres') {
    throw new Error(`RELAY_TEST_BACKEND must be sqlite or postgres, not '${named}'`);
  }
  return named;
}

/** Databases made ahead and not yet given to a location: a test that names none leaves them to the next. */
const spare: FreshDatabase[] = [];
/** Storage location (an absolute path) → the database standing for it, in the current test. */
const given = new Map<string, FreshDatabase>();

/**
 * Before each test: tops the spares up to `count` (a test that names more
 * storage locations than that fails, saying so). Most tests name one or
 * none, so most of the time there is nothing to make.
 */
export async function prepareDatabases(count: number): Promise<void> {
  const missing = Math.max(0, count - spare.length);
  spare.push(
    ...(await Promise.all(
      Array.from({ length: missing }, () => freshPostgresDatabase({ outliveTest: true })),
    )),
  );
}

/** After each test: drops the databases it used (a relay killed mid-test may still hold connections). */
export async function dropUsedDatabases(): Promise<void> {
  const used = [...given.values()];
  given.clear();
  await Promise.all(used.map((db) => db.drop()));
}

/** After the last test of a file: drops the spares. */
export async function dropSpareDatabases(): Promise<void> {
  await Promise.all(spare.splice(0).map((db) => db.drop()));
}

/** The URL of the database that stands for the storage location `path` in this test. */
export function databaseUrlFor(path: string): string {
  const location = resolve(path);
  let db = given.get(location);
  if (!db) {
    db = spare.shift();
    if (!db) {
      throw new Error(
        `RELAY_TEST_BACKEND=postgres: this test names more storage locations than the databases ` +
          `made for it (${given.size}); raise the count in test/helpers/postgres-backend-setup.ts`,
      );
    }
    given.set(location, db);
  }
  return db.url;
}

/** A relay config's `storage` for the location `path` on the test backend, as a store opens it. */
export function storageAt(path: string): Pick<RelayConfig, 'storage' | 'cluster'> {
  const postgres = testBackend() === 'postgres';
  return {
    storage: {
      backend: postgres ? 'postgres' : 'sqlite',
      path,
      url: postgres ? databaseUrlFor(path) : undefined,
      pool: 2,
      durability: 'normal',
      retention: 7 * 24 * 3_600_000,
      dedup_window: 24 * 3_600_000,
      max_size: undefined,
    },
    cluster: { instance: undefined, lease: 15_000 },
  };
}

/**
 * What a test expects where relay legitimately differs by backend (DESIGN.md
 * "Storage backends"): the value for the backend the test runs on.
 */
export function byBackend<T>(choices: Record<TestBackend, T>): T {
  return choices[testBackend()];
}

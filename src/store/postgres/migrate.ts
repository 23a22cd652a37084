import { RelayError } from '../../errors.ts';
import { initial } from './migrations/001_initial.ts';
import { cluster } from './migrations/002_cluster.ts';
import { managed } from './migrations/003_managed.ts';
import { unfinishedAge } from './migrations/004_unfinished_age.ts';
import { routing } from './migrations/005_routing.ts';
import type { Db, PoolClient } from './pool.ts';

/** Ordered, append-only; migration N brings the schema from version N-1 to N. */
const migrations: readonly string[] = [initial, cluster, managed, unfinishedAge, routing];

export const schemaVersion = migrations.length;

/** Advisory locks are per database: this key serialises the relays sharing one. */
const MIGRATION_LOCK = 0x72656c6179; // "relay"

/**
 * Brings the schema up to this relay's version, or refuses a newer one.
 * Relays starting together serialise on a session advisory lock, so each
 * migration runs once; each runs in its own transaction with its version row.
 */
export function migrate(db: Db): Promise<void> {
  return db.session(async (client) => {
    // Held by this session: a relay that dies while migrating releases it with its connection.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrateLocked(client);
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  });
}

async function migrateLocked(client: PoolClient): Promise<void> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS relay_schema (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
  );
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM relay_schema',
  );
  const current = rows[0]?.version ?? 0;
  if (current > migrations.length) {
    throw new RelayError(
      'RELAY_ERR_SCHEMA_TOO_NEW',
      `database schema version ${current} is newer than this relay knows (${migrations.length}); upgrade relay`,
    );
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    await client.query('BEGIN');
    await client.query(migrations[version - 1]!);
    await client.query('INSERT INTO relay_schema (version, applied_at) VALUES ($1, $2)', [
      version,
      Date.now(),
    ]);
    await client.query('COMMIT');
  }
}

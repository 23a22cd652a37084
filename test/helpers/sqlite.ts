import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/store.ts';

/** Opens the relay's database on a second, independent connection (as an operator's tool would). */
export function readDatabase<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Marks endpoints paused in a database before relay starts on it (as the admin API would). */
export async function pauseEndpoints(path: string, endpoints: string[]): Promise<void> {
  const store = await openSqliteStore({ path, durability: 'normal', minFreeDisk: () => 0 });
  for (const name of endpoints) await store.setEndpointState(name, 'paused', Date.now(), 'test');
  await store.close();
}

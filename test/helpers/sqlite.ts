import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/sqlite/db.ts';
import { DeliveryStore } from '../../src/store/sqlite/deliveries.ts';
import { migrate } from '../../src/store/sqlite/migrate.ts';

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
export function pauseEndpoints(path: string, endpoints: string[]): void {
  const relay = openDatabase({ path, durability: 'normal' });
  migrate(relay);
  const store = new DeliveryStore(relay);
  for (const name of endpoints) store.setEndpointState(name, 'paused', Date.now(), 'test');
  relay.close();
}

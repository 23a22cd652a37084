import Database from 'better-sqlite3';

/** Opens the relay's database on a second, independent connection (as an operator's tool would). */
export function readDatabase<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

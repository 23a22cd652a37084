import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RelayError } from '../../errors.ts';

/**
 * One relay per database. The lock is an exclusive SQLite lock on a sidecar
 * file, held by an open connection: the operating system drops it when the
 * process dies, so even kill -9 leaves no stale lock behind, and the main
 * database stays readable by other connections (backups, inspection).
 */
export interface DatabaseLock {
  release(): void;
}

export function acquireDatabaseLock(databasePath: string, nativeBinding?: object): DatabaseLock {
  const lockPath = `${databasePath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  const lock = new Database(lockPath, {
    timeout: 0,
    ...(nativeBinding ? { nativeBinding: nativeBinding as never } : {}),
  });
  try {
    lock.pragma('journal_mode = DELETE');
    // The holder row needs no durability, only the lock its write takes: without
    // this, every start waited for the fsyncs of that write (up to 25 ms while
    // other work used the disk).
    lock.pragma('synchronous = OFF');
    lock.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; locking_mode keeps it until close.
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    lock.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (error) {
    lock.close();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
      throw new RelayError(
        'RELAY_ERR_DATABASE_LOCKED',
        `another relay is already running on ${databasePath} (lock file ${lockPath} is held)`,
      );
    }
    throw error;
  }
  return { release: () => lock.close() };
}

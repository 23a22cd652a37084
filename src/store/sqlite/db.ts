import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RelayError, type RelayErrorCode } from '../../errors.ts';

export type Db = Database.Database;

export interface OpenOptions {
  path: string;
  /** `storage.max_size` in bytes: past it writes fail with SQLITE_FULL (ingest answers 503). */
  maxSize?: number | undefined;
  /** A loaded better-sqlite3 addon (the single executable passes its own). */
  nativeBinding?: object | undefined;
}

/**
 * How long a statement waits for a lock held by another connection. Short on
 * purpose: a busy database must turn into a 503 for the caller, never into an
 * event loop blocked for seconds.
 */
const BUSY_TIMEOUT_MS = 100;

export function openDatabase(options: OpenOptions): Db {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, {
    timeout: BUSY_TIMEOUT_MS,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding as never } : {}),
  });
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new RelayError('RELAY_ERR_INTERNAL', `cannot use WAL mode on ${options.path} (got ${mode})`);
    }
    // COMMIT never syncs; with `durability: full` the group commit syncs the WAL after it.
    db.pragma('synchronous = NORMAL');
    // Checkpoint each time the WAL passes 1000 pages (about 4 MiB): SQLite's
    // default, stated here because it is what bounds the WAL between checkpoints.
    db.pragma('wal_autocheckpoint = 1000');
    db.pragma('temp_store = MEMORY');
    if (options.maxSize !== undefined) db.pragma(`max_page_count = ${maxPages(db, options.maxSize)}`);
  } catch (error) {
    db.close();
    const code = String((error as { code?: unknown }).code ?? '');
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new RelayError(
        'RELAY_ERR_DATABASE_LOCKED',
        `cannot open ${options.path}: ${(error as Error).message} (another program holds it)`,
        { cause: error },
      );
    }
    throw error;
  }
  return db;
}

/** `storage.max_size` in pages of this database. */
export function maxPages(db: Db, maxSize: number): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  return Math.max(1, Math.floor(maxSize / pageSize));
}

/**
 * The answer for a SQLite error that means "try again later" rather than
 * "this request is wrong" (a full disk, a lock held elsewhere, an I/O
 * error), or undefined for any other error. Ingest and admin both use it.
 */
export function storageRefusal(error: unknown): RelayError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  const refuse = (relayCode: RelayErrorCode, message: string) =>
    new RelayError(relayCode, message, { cause: error });
  if (code.startsWith('SQLITE_FULL')) return refuse('RELAY_ERR_STORAGE_FULL', 'the database disk is full');
  if (code.startsWith('SQLITE_IOERR')) {
    return refuse('RELAY_ERR_STORAGE_BUSY', 'the database could not be written (disk I/O error); try again');
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return refuse('RELAY_ERR_STORAGE_BUSY', 'the database is busy; try again');
  }
  return undefined;
}

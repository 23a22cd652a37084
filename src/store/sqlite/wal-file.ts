import { closeSync, fdatasyncSync, openSync } from 'node:fs';

/**
 * A database's WAL file, synced after a COMMIT made with `synchronous =
 * NORMAL` (which writes the WAL and never syncs it): together, what
 * `synchronous = FULL` does inside COMMIT.
 */
export class WalFile {
  readonly path: string;
  private fd: number | undefined;

  constructor(databasePath: string) {
    this.path = `${databasePath}-wal`;
  }

  /** fdatasync of the file; throws what the system said. */
  sync(): void {
    // Opened at the first sync: a COMMIT in WAL mode has made the file by then. SQLite locks the
    // database and -shm files, never the WAL, so this descriptor can drop none of its locks.
    this.fd ??= openSync(this.path, 'r');
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

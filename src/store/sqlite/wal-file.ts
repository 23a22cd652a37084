import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import { promisify } from 'node:util';

const fdatasyncOnPool = promisify(fdatasync);

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

  /** fdatasync of the file, holding the thread; throws what the system said. */
  syncNow(): void {
    fdatasyncSync(this.descriptor());
  }

  /** fdatasync of the file on libuv's thread pool; rejects with what the system said. */
  async sync(): Promise<void> {
    await fdatasyncOnPool(this.descriptor());
  }

  private descriptor(): number {
    // Opened at the first sync: a COMMIT in WAL mode has made the file by then. SQLite locks the
    // database and -shm files, never the WAL, so this descriptor can drop none of its locks.
    this.fd ??= openSync(this.path, 'r');
    return this.fd;
  }

  /** Only once no sync is running: its descriptor must not be reused under it. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

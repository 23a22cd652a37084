import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Free space on the database's filesystem, sampled once a second rather than
 * per request: statfs is cheap, but not free on a hot path.
 */
export class DiskSpace {
  private readonly dir: string;
  private freeBytes = Number.POSITIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;

  constructor(databasePath: string, intervalMs = 1_000) {
    this.dir = dirname(databasePath);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  get free(): number {
    return this.freeBytes;
  }

  sample(): void {
    try {
      const stats = statfsSync(this.dir);
      this.freeBytes = stats.bavail * stats.bsize;
    } catch {
      // A failed statfs must not stop ingest; SQLITE_FULL still guards the write.
      this.freeBytes = Number.POSITIVE_INFINITY;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

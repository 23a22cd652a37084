import { execFileSync } from 'node:child_process';
import { closeSync, open, openSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

/**
 * Occupies every thread of libuv's pool, so that work queued behind it (an
 * fs call, such as an fdatasync) waits until `release`: each thread opens a
 * FIFO for reading, which blocks until a writer opens it.
 */
export function holdThreadPool(): { release(): void } {
  const size = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const dir = tempDir();
  const fifos = Array.from({ length: size }, (_, i) => join(dir, `hold-${i}`));
  execFileSync('mkfifo', fifos);
  const readers: Promise<number>[] = fifos.map(
    (path) =>
      new Promise((resolve, reject) => open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd)))),
  );
  return {
    release() {
      // Opening the write end waits for the reader's open, which every held thread is in (or about to be).
      for (const path of fifos) closeSync(openSync(path, 'w'));
      for (const reader of readers) void reader.then(closeSync);
    },
  };
}

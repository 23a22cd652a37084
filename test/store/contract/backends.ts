/**
 * The backends the contract suite runs against. Each test file does
 * `describe.each(backends)`, so a new backend is one more entry here: a name
 * and an `open()` that gives a fresh, empty store of its own. Nothing else in
 * this folder may know which backend it is talking to.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite/store.ts';
import type { Store } from '../../../src/store/store.ts';

/** One fresh store, and the two ways a process can stop and start again on the same data. */
export interface Opened {
  /** The store to use now; `reopen` and `crash` replace it. */
  readonly store: Store;
  /** Closes the store cleanly (`close()`), then opens the same data again. */
  reopen(): Promise<Store>;
  /**
   * Leaves the store as a process killed without warning (kill -9) leaves it,
   * never calling `close()`, then opens the same data again: what it
   * acknowledged is there, and its claims are still in flight.
   */
  crash(): Promise<Store>;
}

export interface Backend {
  name: string;
  open(): Promise<Opened>;
}

const cleanups: (() => Promise<void> | void)[] = [];

/** Stores are closed, then their files removed, after each test, whatever it left open. */
afterEach(async () => {
  const steps = cleanups.splice(0).reverse();
  for (const step of steps) await step();
});

/**
 * SQLite: a fresh file in a temp directory per test.
 *
 * `crash`: a second store cannot open the file while the first lives (the
 * instance lock, by design), and the process running the test cannot die.
 * What kill -9 leaves behind on one file is the database and its WAL exactly
 * as they stand: every committed transaction, nothing of what was only
 * queued. So `crash` copies those two files while the first store is still
 * open and idle (every write the test made was awaited, so no transaction is
 * half-written), and opens a store on the copy: SQLite then runs its own WAL
 * recovery (no -shm is copied), and the store its `recover`, as after a real
 * kill. The first store is closed only after the copy, so nothing its close
 * does can reach the copy. That the lock itself dies with a killed process,
 * and that a real kill -9 gives the same result, is SQLite-specific:
 * test/store/sqlite/lock.test.ts and test/store/sqlite/crash.test.ts.
 */
const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'relay-contract-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const openAt = async (path: string) => {
      // `normal`: the suite checks what is stored, not fsync, and the machine is shared.
      const store = await openSqliteStore({ path, durability: 'normal', minFreeDisk: () => 0 });
      cleanups.push(() => store.close());
      return store;
    };
    let path = join(dir, 'relay.db');
    let store = await openAt(path);
    let crashes = 0;
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        store = await openAt(path);
        return store;
      },
      async crash() {
        const copy = join(dir, `after-crash-${++crashes}`, 'relay.db');
        mkdirSync(join(copy, '..'));
        copyFileSync(path, copy);
        if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
        await store.close();
        path = copy;
        store = await openAt(path);
        return store;
      },
    };
  },
};

export const backends: readonly Backend[] = [sqlite];

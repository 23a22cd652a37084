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
import { openPostgresStore } from '../../../src/store/postgres/store.ts';
import { openSqliteStore } from '../../../src/store/sqlite/store.ts';
import type { ClaimAsk, Store } from '../../../src/store/store.ts';
import { freshPostgresDatabase } from '../../helpers/postgres.ts';

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

/**
 * PostgreSQL: a fresh database on the test server per test. Relays sharing
 * one database own endpoints through leases, and a store owns none until it
 * renews them; the suite's single store takes, before each claim, the lease
 * of every endpoint it asks for (on SQLite, renewing changes nothing).
 *
 * `crash`: the first store is abandoned as a killed process would be, never
 * closed, and a new one of the same instance opens the same database: its
 * `recover` takes back what the first left in flight, as a restarted relay
 * does. The abandoned pools end with the database, after the test.
 */
const postgres: Backend = {
  name: 'postgres',
  async open() {
    const db = await freshPostgresDatabase();
    const openOne = async () => {
      const store = owningWhatItClaims(
        await openPostgresStore({ url: db.url, instance: 'contract', pool: 4 }),
      );
      return store;
    };
    let store = await openOne();
    const opened: Store[] = [store];
    cleanups.push(async () => {
      for (const s of opened) await s.close().catch(() => {});
      await db.drop();
    });
    return {
      get store() {
        return store;
      },
      async reopen() {
        await store.close();
        store = await openOne();
        opened.push(store);
        return store;
      },
      async crash() {
        store = await openOne();
        opened.push(store);
        return store;
      },
    };
  },
};

function owningWhatItClaims(store: Store): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key !== 'claim') return Reflect.get(target, key, receiver);
      return async (asks: readonly ClaimAsk[], now: number) => {
        await target.cluster.renew(
          asks.map((ask) => ask.endpoint),
          now,
        );
        return target.claim(asks, now);
      };
    },
  });
}

export const backends: readonly Backend[] = [sqlite, postgres];

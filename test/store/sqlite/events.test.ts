import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase, storageRefusal } from '../../../src/store/sqlite/db.ts';
import { EventStatements } from '../../../src/store/sqlite/events.ts';
import { GroupCommit, LINGER_BELOW } from '../../../src/store/sqlite/group-commit.ts';
import { migrate, schemaVersion } from '../../../src/store/sqlite/migrate.ts';
import type { NewEvent } from '../../../src/store/store.ts';
import { tempDir } from '../../helpers/temp.ts';
import { holdThreadPool } from '../../helpers/thread-pool.ts';
import { accepted } from '../contract/fixtures.ts';

function freshOutbox() {
  const path = join(tempDir(), 'relay.db');
  const db = openDatabase({ path });
  migrate(db);
  return { path, db, outbox: new EventStatements(db) };
}

/** A group commit on a fresh outbox, recording the size of each commit. */
function freshGroup() {
  const fresh = freshOutbox();
  const sizes: number[] = [];
  const group = new GroupCommit(fresh.db, 'full', (size) => sizes.push(size));
  return { ...fresh, sizes, group };
}

/** Resolves after the event loop's check phase, where the group commit flushes. */
function nextTurn(): Promise<unknown> {
  return new Promise((resolve) => setImmediate(resolve));
}

function event(overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: `evt_${Math.random().toString(36).slice(2)}`,
    source: 'sendblue',
    type: 'receive',
    receivedAt: 1_700_000_000_000,
    contentType: 'application/json',
    body: Buffer.from('{"a":1}'),
    endpoints: ['crm', 'analytics'],
    idempotency: undefined,
    ...overrides,
  };
}

describe('database setup', () => {
  it('uses WAL, incremental auto-vacuum, and commits that never sync (the group commit does)', () => {
    const { db } = freshOutbox();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    db.close();
  });

  it('refuses a write with the storage code and a message that says why, and leaves other errors alone', () => {
    expect(storageRefusal({ code: 'SQLITE_FULL' })).toMatchObject({
      code: 'RELAY_ERR_STORAGE_FULL',
      status: 503,
    });
    expect(storageRefusal({ code: 'SQLITE_IOERR_FSYNC' })).toMatchObject({
      code: 'RELAY_ERR_STORAGE_BUSY',
      message: expect.stringMatching(/disk I\/O error/),
    });
    expect(storageRefusal({ code: 'SQLITE_BUSY' })).toMatchObject({
      code: 'RELAY_ERR_STORAGE_BUSY',
      message: 'the database is busy; try again',
    });
    expect(storageRefusal({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })).toBeUndefined();
    expect(storageRefusal(new Error('no code'))).toBeUndefined();
  });

  it('migrating an up-to-date database changes nothing', () => {
    const { db } = freshOutbox();
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    db.close();
  });

  it('refuses a database written by a newer relay', () => {
    const { db } = freshOutbox();
    db.pragma(`user_version = ${schemaVersion + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this relay knows/);
    db.close();
  });
});

describe('Outbox.enqueue', () => {
  it('stores the raw body bytes and one pending delivery per endpoint', () => {
    const { db, outbox } = freshOutbox();
    const body = Buffer.from([0x00, 0xff, 0x7b, 0x22]);
    const e = event({ body, contentType: 'application/octet-stream' });
    expect(outbox.enqueue(e)).toEqual(accepted(e));
    expect(outbox.event(e.id)?.body.equals(body)).toBe(true);
    const deliveries = db.prepare('SELECT endpoint, state, attempts FROM deliveries ORDER BY endpoint').all();
    expect(deliveries).toEqual([
      { endpoint: 'analytics', state: 'pending', attempts: 0 },
      { endpoint: 'crm', state: 'pending', attempts: 0 },
    ]);
    db.close();
  });

  it('answers a key seen within the window with the first event id and stores nothing new', () => {
    const { db, outbox } = freshOutbox();
    const first = event({ idempotency: { key: 'k1', expiresAt: 1_700_000_060_000 } });
    outbox.enqueue(first);
    const again = event({
      idempotency: { key: 'k1', expiresAt: 1_700_000_070_000 },
      receivedAt: 1_700_000_010_000,
    });
    expect(outbox.enqueue(again)).toEqual({ duplicateOf: first.id });
    expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM deliveries').get()).toEqual({ n: 2 });
    // After the window the same key is a new event.
    const later = event({
      idempotency: { key: 'k1', expiresAt: 1_700_000_200_000 },
      receivedAt: 1_700_000_100_000,
    });
    expect(outbox.enqueue(later)).toEqual(accepted(later));
    db.close();
  });

  it('stores the deliveries a lease names claimed (in flight, first claim) and hands them back', () => {
    const { db, outbox } = freshOutbox();
    const until = 1_700_000_070_000;
    const e = event({ lease: { endpoints: ['crm'], until } });
    const result = outbox.enqueue(e);
    expect(result).toMatchObject({ duplicateOf: undefined, endpoints: ['crm', 'analytics'] });
    const leased = result.duplicateOf === undefined ? result.leased : [];
    expect(leased).toEqual([
      {
        id: expect.any(Number),
        claim: 1,
        eventId: e.id,
        endpoint: 'crm',
        attempts: 0,
        step: 0,
        createdAt: e.receivedAt,
        source: 'sendblue',
        type: 'receive',
        contentType: 'application/json',
        body: e.body,
      },
    ]);
    const rows = db
      .prepare('SELECT id, endpoint, state, lease_until, claim FROM deliveries ORDER BY endpoint')
      .all();
    expect(rows).toEqual([
      { id: expect.any(Number), endpoint: 'analytics', state: 'pending', lease_until: null, claim: 0 },
      { id: leased[0]!.id, endpoint: 'crm', state: 'in_flight', lease_until: until, claim: 1 },
    ]);
    db.close();
  });
});

describe('GroupCommit', () => {
  it('commits requests of one event-loop turn in one transaction and answers after the commit', async () => {
    const { db, path, outbox, sizes, group } = freshGroup();
    const events = Array.from({ length: 50 }, () => event());
    const results = await Promise.all(events.map((e) => group.run(() => outbox.enqueue(e))));
    expect(results).toHaveLength(50);
    expect(sizes).toEqual([50]);
    // A second connection sees everything the moment the promises resolve.
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 50 });
    reader.close();
    db.close();
  });

  it('fails only the request whose work throws; the others of its batch are stored', async () => {
    const { db, outbox, sizes, group } = freshGroup();
    const good = event();
    const clash = event();
    const settled = await Promise.allSettled([
      group.run(() => outbox.enqueue(good)),
      group.run(() => {
        outbox.enqueue(clash);
        outbox.enqueue(clash); // same id twice: a constraint failure after a partial write
      }),
      group.run(() => outbox.enqueue(event())),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outbox.event(good.id)).toBeDefined();
    expect(outbox.event(clash.id)).toBeUndefined();
    expect(db.prepare('SELECT count(*) AS n FROM deliveries WHERE event_id = ?').get(clash.id)).toEqual({
      n: 0,
    });
    expect(sizes).toEqual([3]);
    db.close();
  });

  it('syncs the WAL after a batch that holds an acknowledged write, and never for bookkeeping alone', async () => {
    const { db, path, outbox } = freshOutbox();
    const group = new GroupCommit(db, 'full');
    const relaxed = new GroupCommit(db, 'normal');
    // With the WAL's name gone, a sync cannot open it: only the batches that sync fail.
    unlinkSync(`${path}-wal`);
    expect(await group.run(() => 'claimed', { durable: false })).toBe('claimed');
    const stored = event();
    expect(await relaxed.run(() => outbox.enqueue(event()))).toMatchObject({ duplicateOf: undefined });
    const [bookkeeping, durable] = await Promise.allSettled([
      group.run(() => 'completed', { durable: false }),
      group.run(() => outbox.enqueue(stored)),
    ]);
    expect(bookkeeping).toEqual({ status: 'fulfilled', value: 'completed' });
    expect(durable).toMatchObject({ status: 'rejected', reason: { code: 'RELAY_ERR_STORAGE_BUSY' } });
    // Refused after its commit: the event stands (a retry is a duplicate, never a loss).
    expect(outbox.event(stored.id)).toBeDefined();
    group.close();
    db.close();
  });

  it('holds deferrable bookkeeping until other work comes, and commits both in one transaction', async () => {
    const { db, outbox, sizes, group } = freshGroup();
    let answered = false;
    const completion = group
      .run(() => 'completed', { durable: false, deferrable: true })
      .then((value) => {
        answered = true;
        return value;
      });
    // Two turns later it is still queued, where plain bookkeeping would have committed.
    await nextTurn();
    await nextTurn();
    expect(answered).toBe(false);
    expect(sizes).toEqual([]);
    const stored = event();
    await group.run(() => outbox.enqueue(stored));
    expect(await completion).toBe('completed');
    expect(sizes).toEqual([2]);
    group.close();
    db.close();
  });

  it('commits deferrable bookkeeping on its own once the window passes with nothing else, and at settle', async () => {
    const { db, sizes, group } = freshGroup();
    const alone = group.run(() => 'alone', { durable: false, deferrable: true });
    await nextTurn();
    expect(sizes).toEqual([]);
    expect(await alone).toBe('alone');
    expect(sizes).toEqual([1]);
    // Shutdown does not wait for the window.
    const last = group.run(() => 'last', { durable: false, deferrable: true });
    await group.settle();
    expect(sizes).toEqual([1, 1]);
    expect(await last).toBe('last');
    group.close();
    db.close();
  });

  it('holds a durable write that expects company up to LINGER_MS, and commits it with what came meanwhile', async () => {
    const { db, outbox, sizes, group } = freshGroup();
    const first = group.run(() => outbox.enqueue(event()), { durable: true, linger: true });
    await nextTurn();
    await nextTurn();
    // Two turns on, still waiting, where a write without `linger` has committed.
    expect(sizes).toEqual([]);
    const second = group.run(() => outbox.enqueue(event()), { durable: true, linger: true });
    await Promise.all([first, second]);
    expect(sizes).toEqual([2]);
    // Alone, it commits when the wait ends.
    await group.run(() => outbox.enqueue(event()), { durable: true, linger: true });
    expect(sizes).toEqual([2, 1]);
    group.close();
    db.close();
  });

  it('commits at once a durable write that expects no company, and a batch as large as LINGER_BELOW', async () => {
    const { db, outbox, sizes, group } = freshGroup();
    const plain = group.run(() => outbox.enqueue(event()));
    await nextTurn();
    expect(sizes).toEqual([1]);
    await plain;
    const full = Array.from({ length: LINGER_BELOW }, () =>
      group.run(() => outbox.enqueue(event()), { durable: true, linger: true }),
    );
    await nextTurn();
    expect(sizes).toEqual([1, LINGER_BELOW]);
    await Promise.all(full);
    group.close();
    db.close();
  });

  it('syncs on the thread pool while claims run: claims commit meanwhile, other writes wait to share the next commit', async () => {
    const { db, path, outbox } = freshOutbox();
    const sizes: number[] = [];
    let committed = () => {};
    const group = new GroupCommit(db, 'full', (size) => {
      sizes.push(size);
      committed();
    });
    const reader = new Database(path, { readonly: true });
    const storedEvents = () => reader.prepare('SELECT count(*) AS n FROM events').get();
    const claim = () => group.run(() => 'claimed', { durable: false, eager: true });
    expect(await claim()).toBe('claimed');
    const pool = holdThreadPool();
    const answered: string[] = [];
    const firstCommit = new Promise<void>((resolve) => {
      committed = resolve;
    });
    const first = group.run(() => outbox.enqueue(event())).then(() => answered.push('first'));
    await firstCommit;
    // Its sync is queued behind the held pool: committed, not yet answered.
    const second = group.run(() => outbox.enqueue(event())).then(() => answered.push('second'));
    const completed = group.run(() => 'completed', { durable: false }).then(() => answered.push('completed'));
    expect(await claim()).toBe('claimed');
    expect(answered).toEqual([]);
    expect(storedEvents()).toEqual({ n: 1 });
    const settled = group.settle();
    pool.release();
    await settled;
    await Promise.all([first, second, completed]);
    expect(answered).toEqual(['first', 'completed', 'second']);
    expect(storedEvents()).toEqual({ n: 2 });
    expect(sizes).toEqual([1, 1, 1, 2]);
    reader.close();
    group.close();
    db.close();
  });

  it('syncs holding the event loop when no claim ran since the last sync: nothing would run meanwhile', async () => {
    const { db, outbox } = freshOutbox();
    const group = new GroupCommit(db, 'full');
    const pool = holdThreadPool();
    try {
      // With the pool held, only a sync on the loop itself can answer.
      await group.run(() => outbox.enqueue(event()));
      await Promise.all([
        group.run(() => 'completed', { durable: false }),
        group.run(() => outbox.enqueue(event())),
      ]);
    } finally {
      pool.release();
    }
    group.close();
    db.close();
  });

  it('fails the whole batch with SQLITE_FULL when the database cannot grow, leaving it usable', async () => {
    const path = join(tempDir(), 'relay.db');
    const db = openDatabase({ path, maxSize: 512 * 1024 });
    migrate(db);
    const outbox = new EventStatements(db);
    const group = new GroupCommit(db, 'full');
    const big = () => event({ body: Buffer.alloc(8_000) });
    let failure: unknown;
    for (let i = 0; i < 200 && !failure; i++) {
      await Promise.all([
        group.run(() => outbox.enqueue(big())),
        group.run(() => outbox.enqueue(big())),
      ]).catch((error: unknown) => {
        failure = error;
      });
    }
    expect(failure).toMatchObject({ code: 'SQLITE_FULL' });
    expect(db.inTransaction).toBe(false);
    // Smaller writes still fit, so the connection was left in a sound state.
    await group.run(() => outbox.enqueue(event({ body: Buffer.from('{}'), endpoints: [] })));
    db.close();
  });

  it('rejects the whole batch when the transaction cannot start, leaving nothing half-stored', async () => {
    const { db, path, outbox } = freshOutbox();
    const group = new GroupCommit(db, 'full');
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    const e = event();
    await expect(group.run(() => outbox.enqueue(e))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    blocker.exec('ROLLBACK');
    blocker.close();
    expect(outbox.event(e.id)).toBeUndefined();
    await group.run(() => outbox.enqueue(e));
    expect(outbox.event(e.id)).toBeDefined();
    db.close();
  });
});

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../src/store/postgres/store.ts';
import type { ClusterSignal, ManagedSignal } from '../../../src/store/store.ts';
import { freshPostgresDatabase } from '../../helpers/postgres.ts';
import { event, openStore, settle, twoRelays } from './helpers.ts';

const NOW = 1_700_000_000_000;
const ask = (fresh: number, retries = 0) => ({ endpoint: 'crm', fresh, retries, leaseUntil: NOW + 60_000 });

describe('PostgreSQL store: several relays on one database', () => {
  it('catches a duplicate whichever relay it reaches, even when both arrive at once', async () => {
    const { a, b } = await twoRelays();
    const key = { key: 'k1', expiresAt: NOW + 1_000 };
    const first = event({ idempotency: key });
    const second = event({ idempotency: key });
    const results = await Promise.all([a.enqueue(first), b.enqueue(second)]);
    const winners = results.filter((r) => r.duplicateOf === undefined);
    expect(winners).toHaveLength(1);
    const winner = results[0]!.duplicateOf === undefined ? first : second;
    expect(results.find((r) => r.duplicateOf !== undefined)?.duplicateOf).toBe(winner.id);
    // Later, on either relay: still a duplicate within the window, a new event after it.
    expect(await a.enqueue(event({ idempotency: key, receivedAt: NOW + 999 }))).toEqual({
      duplicateOf: winner.id,
    });
    const late = event({ idempotency: { key: 'k1', expiresAt: NOW + 5_000 }, receivedAt: NOW + 1_000 });
    expect(await b.enqueue(late)).toMatchObject({ duplicateOf: undefined, held: [] });
    expect(await a.enqueue(event({ idempotency: key, receivedAt: NOW + 1_001 }))).toEqual({
      duplicateOf: late.id,
    });
    expect(await a.unfinishedCounts()).toEqual(new Map([['crm', 2]]));
  });

  it('groups the enqueues of one turn, and folds keys repeated inside a batch onto the first', async () => {
    const commits: number[] = [];
    const { url } = await freshPostgresDatabase();
    const store = await openStore(url, { onCommit: (items) => commits.push(items) });
    const key = { key: 'same', expiresAt: NOW + 1_000 };
    const events = [
      event(),
      event({ idempotency: key }),
      event({ idempotency: key }),
      event({ endpoints: ['crm', 'erp'] }),
    ];
    const results = await Promise.all(events.map((e) => store.enqueue(e)));
    expect(results.map((r) => r.duplicateOf)).toEqual([undefined, undefined, events[1]!.id, undefined]);
    expect(commits).toEqual([3]);
    expect(await store.unfinishedCounts()).toEqual(
      new Map([
        ['crm', 3],
        ['erp', 1],
      ]),
    );
    const stored = await store.reads.event(events[3]!.id);
    expect(stored).toEqual({
      id: events[3]!.id,
      source: 'sendblue',
      type: 'receive',
      receivedAt: NOW,
      contentType: 'application/json',
      body: events[3]!.body,
    });
  });

  it('fails one bad event of a batch alone', async () => {
    const { url } = await freshPostgresDatabase();
    const store = await openStore(url);
    const taken = event();
    await store.enqueue(taken);
    const fine = event();
    const [again, ok] = await Promise.allSettled([store.enqueue({ ...taken }), store.enqueue(fine)]);
    expect(again.status).toBe('rejected');
    expect(ok).toMatchObject({ status: 'fulfilled', value: { duplicateOf: undefined } });
  });

  it('never hands one delivery to two claims at once (two pools of one relay)', async () => {
    const { url } = await freshPostgresDatabase();
    const [a, b] = [await openStore(url, { instance: 'a' }), await openStore(url, { instance: 'a' })];
    await a.cluster.renew(['crm'], NOW);
    const events = Array.from({ length: 200 }, (_, i) => event({ receivedAt: NOW - 1_000 + i }));
    await Promise.all(events.map((e) => a.enqueue(e)));
    const claimed: number[] = [];
    for (let round = 0; round < 10; round++) {
      const [ca, cb] = await Promise.all([a.claim([ask(15)], NOW), b.claim([ask(15)], NOW)]);
      for (const c of [...ca!, ...cb!]) claimed.push(...c.fresh.map((d) => d.id));
    }
    expect(claimed).toHaveLength(200);
    expect(new Set(claimed).size).toBe(200);
    const [last] = await a.claim([ask(15, 15)], NOW);
    expect(last).toMatchObject({ fresh: [], retries: [], exhausted: true, nextDue: undefined });
  });

  it('claims first attempts before retries, oldest due first, and says when the next is due', async () => {
    const { url } = await freshPostgresDatabase();
    const store = await openStore(url);
    await store.cluster.renew(['crm'], NOW);
    const [first, second, later] = [
      event(),
      event({ receivedAt: NOW - 10 }),
      event({ receivedAt: NOW + 5_000 }),
    ];
    for (const e of [first, second, later]) await store.enqueue(e);
    const [claim] = await store.claim([ask(1)], NOW);
    expect(claim!.fresh.map((d) => d.eventId)).toEqual([second.id]);
    expect(claim!.exhausted).toBe(false);
    const [retried] = claim!.fresh;
    expect(
      await store.complete(
        [{ deliveryId: retried!.id, claim: retried!.claim, attempt: attempt(500), next: 'retry', at: NOW }],
        NOW,
      ),
    ).toEqual([true]);
    const [next] = await store.claim([ask(5, 5)], NOW);
    expect(next!.fresh.map((d) => d.eventId)).toEqual([first.id]);
    expect(next!.retries.map((d) => [d.eventId, d.attempts, d.step])).toEqual([[second.id, 1, 1]]);
    expect(next!).toMatchObject({ exhausted: true, nextDue: NOW + 5_000 });
    expect(next!.retries[0]!.body).toEqual(second.body);
  });

  it('refuses a completion from a stale claim, and one from a relay whose lease was taken over', async () => {
    const { a, b } = await twoRelays();
    await a.cluster.renew(['crm'], NOW);
    for (let i = 0; i < 2; i++) await a.enqueue(event());
    const [old, kept] = (await a.claim([{ ...ask(2), leaseUntil: NOW + 10 }], NOW))[0]!.fresh;
    expect(await b.expireLeases(NOW + 11)).toBe(2);
    const [again] = (await a.claim([ask(1)], NOW + 11))[0]!.fresh;
    expect(again!.id).toBe(old!.id);
    expect(again!.claim).not.toBe(old!.claim);
    const stale = {
      deliveryId: old!.id,
      claim: old!.claim,
      attempt: attempt(200),
      next: 'delivered' as const,
    };
    expect(await a.complete([stale, { ...stale, claim: again!.claim }], NOW + 12)).toEqual([false, true]);
    const detail = await a.reads.delivery(old!.id);
    expect(detail).toMatchObject({ state: 'delivered', attempts: 1, finishedAt: NOW + 12, lastStatus: 200 });
    expect(detail!.attemptLog).toEqual([
      { n: 1, startedAt: NOW, durationMs: 12, status: 200, error: undefined, response: Buffer.from('ok') },
    ]);

    // a goes silent: past the lease, b takes crm over, and a's claim is void though a never expired it.
    const [zombie] = (await a.claim([ask(1)], NOW + 13))[0]!.fresh;
    expect(zombie!.id).toBe(kept!.id);
    const later = NOW + 15_014;
    expect(await b.cluster.renew(['crm'], later)).toEqual({ owned: new Set(['crm']), members: 1 });
    expect((await a.claim([ask(1)], later))[0]).toMatchObject({ fresh: [], exhausted: true });
    const [taken] = (await b.claim([ask(1)], later))[0]!.fresh;
    expect(taken!.id).toBe(kept!.id);
    const late = {
      deliveryId: zombie!.id,
      claim: zombie!.claim,
      attempt: attempt(200),
      next: 'delivered' as const,
    };
    expect(await a.complete([late], later)).toEqual([false]);
    expect(await b.complete([{ ...late, claim: taken!.claim }], later)).toEqual([true]);
  });

  it('releases with a disable, and records a dead delivery, in one batch', async () => {
    const { url } = await freshPostgresDatabase();
    const store = await openStore(url);
    await store.cluster.renew(['crm'], NOW);
    await store.enqueue(event());
    await store.enqueue(event());
    const [x, y] = (await store.claim([ask(2)], NOW))[0]!.fresh;
    const applied = await store.complete(
      [
        {
          deliveryId: x!.id,
          claim: x!.claim,
          attempt: attempt(410),
          next: 'release',
          at: NOW + 1,
          disable: { endpoint: 'crm', reason: 'gone' },
        },
        {
          deliveryId: y!.id,
          claim: y!.claim,
          attempt: { ...attempt(undefined), error: 'ECONNREFUSED' },
          next: 'dead',
        },
      ],
      NOW,
    );
    expect(applied).toEqual([true, true]);
    expect(await store.endpointStates()).toEqual(new Map([['crm', { state: 'disabled', changedAt: NOW }]]));
    expect(await store.reads.deadCounts()).toEqual(new Map([['crm', 1]]));
    expect(await store.reads.delivery(x!.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      step: 0,
      nextAttemptAt: NOW + 1,
    });
    expect(await store.reads.delivery(y!.id)).toMatchObject({
      state: 'dead',
      step: 1,
      lastError: 'ECONNREFUSED',
    });
  });

  it('at start takes back its own claims and expired ones, never another live relay’s', async () => {
    const { url, a, b } = await twoRelays();
    const owned = await settle([a, b], ['crm', 'erp'], NOW);
    expect(owned).toEqual([new Set(['crm']), new Set(['erp'])]);
    for (let i = 0; i < 3; i++) await a.enqueue(event({ endpoints: ['crm', 'erp'] }));
    await a.claim([{ ...ask(1), leaseUntil: NOW + 10 }], NOW);
    await a.claim([ask(1)], NOW);
    await b.claim([{ ...ask(1), endpoint: 'erp' }], NOW);
    const restartedA = await openStore(url, { instance: 'a' });
    expect(await restartedA.recover(NOW + 100)).toBe(2);
    expect(
      await b.reads.listEvents({
        since: 0,
        source: undefined,
        type: undefined,
        state: 'in_flight',
        endpoint: 'erp',
        before: undefined,
        limit: 10,
      }),
    ).toHaveLength(1);
  });

  it('spreads the endpoints evenly, hands them over on leave, and takes a silent relay’s after the lease', async () => {
    const { url } = await freshPostgresDatabase();
    const [a, b, c] = [
      await openStore(url, { instance: 'a', lease: 1_000 }),
      await openStore(url, { instance: 'b', lease: 1_000 }),
      await openStore(url, { instance: 'c', lease: 1_000 }),
    ];
    const endpoints = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'];
    const owned = await settle([a, b, c], endpoints, NOW);
    expect(owned.map((set) => set.size)).toEqual([3, 2, 2]);
    expect(new Set(owned.flatMap((set) => [...set]))).toEqual(new Set(endpoints));
    expect((await a.cluster.members(NOW)).map((m) => [m.instance, m.endpoints])).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 2],
    ]);
    await c.cluster.leave(NOW);
    const afterLeave = await settle([a, b], endpoints, NOW + 100);
    expect(afterLeave.map((set) => set.size)).toEqual([4, 3]);
    // b falls silent; a takes everything once b's lease has run out, not before.
    expect((await a.cluster.renew(endpoints, NOW + 900)).owned.size).toBe(4);
    expect((await a.cluster.renew(endpoints, NOW + 1_200)).owned.size).toBe(7);
    expect((await a.cluster.members(NOW + 1_200)).map((m) => m.instance)).toEqual(['a']);
  });

  it('spreads an endpoint only some relays know yet without moving any back and forth, and takes it in once all do', async () => {
    const { a, b } = await twoRelays();
    const known = ['e1', 'e2'];
    const before = await settle([a, b], known, NOW);
    // e3 is new on a alone (made through its admin API, not yet read by b).
    const renewals = async () => [
      await a.cluster.renew([...known, 'e3'], NOW),
      await b.cluster.renew(known, NOW),
    ];
    let partial: Set<string>[] = [];
    for (let round = 0; round < 3; round++) partial = (await renewals()).map((r) => r.owned);
    for (let round = 0; round < 3; round++) {
      expect((await a.cluster.renew([...known, 'e3'], NOW)).owned).toEqual(partial[0]);
      expect((await b.cluster.renew(known, NOW)).owned).toEqual(partial[1]);
    }
    // What b owned stays b's while it does not know e3.
    expect(partial[1]).toEqual(before[1]);
    const all = await settle([a, b], [...known, 'e3'], NOW);
    expect(new Set([...all[0]!, ...all[1]!])).toEqual(new Set([...known, 'e3']));
    expect(all.map((set) => set.size).sort()).toEqual([1, 2]);
    for (let round = 0; round < 3; round++) {
      expect((await a.cluster.renew([...known, 'e3'], NOW)).owned).toEqual(all[0]);
      expect((await b.cluster.renew([...known, 'e3'], NOW)).owned).toEqual(all[1]);
    }
  });

  it('hands over idle endpoints first when a relay joins', async () => {
    const { a, b } = await twoRelays();
    await a.cluster.renew(['e1', 'e2'], NOW);
    await a.enqueue(event({ endpoints: ['e2'] }));
    await a.claim([{ ...ask(1), endpoint: 'e2' }], NOW);
    await b.cluster.renew(['e1', 'e2'], NOW);
    expect((await a.cluster.renew(['e1', 'e2'], NOW)).owned).toEqual(new Set(['e2']));
    expect((await b.cluster.renew(['e1', 'e2'], NOW)).owned).toEqual(new Set(['e1']));
  });

  it('takes an endpoint handed over only once the old owner’s attempts on it are done', async () => {
    const { a, b, handed, busy } = await handOverBusy();
    // a freed it with an attempt still in flight; b must not send beside it.
    expect((await b.cluster.renew(BUSY, NOW + 100)).owned).toEqual(new Set());
    expect(
      await a.complete(
        [{ deliveryId: busy.id, claim: busy.claim, attempt: attempt(200), next: 'delivered' }],
        NOW + 200,
      ),
    ).toEqual([true]);
    expect((await b.cluster.renew(BUSY, NOW + 300)).owned).toEqual(new Set([handed]));
    expect((await a.reads.delivery(busy.id))?.state).toBe('delivered');
  });

  it('takes an endpoint handed over by a relay that then went silent once it is a lease gone, its claims unexpired', async () => {
    const { b, handed } = await handOverBusy();
    expect((await b.cluster.renew(BUSY, NOW + 14_000)).owned).toEqual(new Set());
    // a renews no more (killed): a lease later b takes both, and the claims (leased for a minute) go back.
    const later = NOW + 15_014;
    expect((await b.cluster.renew(BUSY, later)).owned).toEqual(new Set(BUSY));
    const [again] = (await b.claim([{ ...ask(1), endpoint: handed }], later))[0]!.fresh;
    expect(again?.endpoint).toBe(handed);
  });

  it('signals the other relays: work for endpoints they own, state changes, joins and hand-overs', async () => {
    const { a, b } = await twoRelays();
    await settle([a, b], ['crm', 'erp'], NOW);
    const heard: ClusterSignal[] = [];
    b.cluster.watch((signal) => heard.push(signal));
    const hear = async (kind: ClusterSignal['kind']) => {
      for (let waited = 0; !heard.some((s) => s.kind === kind); waited += 20) {
        if (waited > 5_000) throw new Error(`no ${kind} signal`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return heard.find((s) => s.kind === kind)!;
    };
    await hear('resync');
    // a owns crm: only erp's owner is told.
    await a.enqueue(event({ endpoints: ['crm', 'erp'] }));
    expect(await hear('work')).toEqual({ kind: 'work', endpoints: ['erp'] });
    await a.setEndpointState('erp', 'paused', NOW, 'operator');
    await hear('states');
    await a.cluster.leave(NOW);
    await hear('leases');
  });

  it('tells the other relays of a managed change once it commits, never of one rolled back, and versions the objects', async () => {
    const { a, b } = await twoRelays();
    const heard = { a: [] as ManagedSignal[], b: [] as ManagedSignal[] };
    const states = { a: 0, b: 0 };
    const waiting: (() => void)[] = [];
    const wake = () => {
      for (const resolve of waiting.splice(0)) resolve();
    };
    for (const [who, store] of [['a', a] as const, ['b', b] as const]) {
      store.managed.watch((signal) => {
        heard[who].push(signal);
        wake();
      });
      store.cluster.watch((signal) => {
        if (signal.kind === 'states') states[who]++;
        wake();
      });
    }
    const until = async (check: () => boolean) => {
      while (!check()) await new Promise<void>((resolve) => waiting.push(resolve));
    };
    // Listening from here on.
    await until(() => heard.a.length > 0 && heard.b.length > 0);
    const entry = (action: string) => ({
      at: NOW,
      actor: 'admin',
      action,
      target: 'hook',
      reason: undefined,
      outcome: 'ok',
      detail: undefined,
    });
    const hook = { kind: 'endpoint' as const, name: 'hook', spec: { url: 'http://127.0.0.1:9/hook' } };
    const empty = await a.managed.version();
    expect(await b.managed.version()).toBe(empty);
    await a.managed.apply([hook], entry('endpoint.create'));
    const created = await b.managed.version();
    expect(created).not.toBe(empty);
    // Refused by the audit table after the change and its notification: all of it is rolled back.
    await expect(
      a.managed.apply([{ ...hook, name: 'other' }], { ...entry('endpoint.create'), actor: null as never }),
    ).rejects.toThrow();
    expect(await a.managed.version()).toBe(created);
    await a.managed.apply(
      [{ ...hook, spec: { url: 'http://127.0.0.1:9/moved' } }],
      entry('endpoint.replace'),
    );
    expect(await a.managed.version()).not.toBe(created);
    await b.managed.apply([{ ...hook, spec: undefined }], entry('endpoint.delete'));
    // One connection hears in commit order: once each hears the other's state change, it has heard every managed one.
    await a.setEndpointState('hook', 'paused', NOW, undefined);
    await b.setEndpointState('hook', 'active', NOW, undefined);
    await until(() => states.a === 1 && states.b === 1);
    expect(heard.a).toEqual([{ kind: 'resync' }, { kind: 'changed' }]);
    expect(heard.b).toEqual([{ kind: 'resync' }, { kind: 'changed' }, { kind: 'changed' }]);
    expect(await b.managed.list()).toEqual([]);
    expect(await a.managed.version()).toBe(empty);
  });

  it('runs the migrations once when relays start together, and refuses a newer schema', async () => {
    const { url } = await freshPostgresDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url)));
    expect(stores).toHaveLength(4);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM relay_schema ORDER BY version');
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
      await client.query('INSERT INTO relay_schema (version, applied_at) VALUES (99, 0)');
    } finally {
      await client.end();
    }
    await expect(openPostgresStore({ url })).rejects.toMatchObject({
      code: 'RELAY_ERR_SCHEMA_TOO_NEW',
      message: expect.stringMatching(/version 99 is newer than this relay knows \(5\); upgrade relay/),
    });
  });

  it('says clearly when the password is wrong or the server unreachable, without the password', async () => {
    const { url } = await freshPostgresDatabase();
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const refused = openPostgresStore({ url: wrong.toString() });
    await expect(refused).rejects.toMatchObject({
      code: 'RELAY_ERR_STORAGE_BUSY',
      message: expect.stringMatching(
        /refused relay's login \(check storage\.url\): password authentication failed/,
      ),
    });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining('not-the-password') });
    await expect(openPostgresStore({ url: 'postgres://u:p@127.0.0.1:1/db' })).rejects.toMatchObject({
      code: 'RELAY_ERR_STORAGE_BUSY',
      message: expect.stringMatching(/^the database is unreachable: /),
    });
  });

  it('answers readiness, then refuses writes once the server is gone', async () => {
    const db = await freshPostgresDatabase();
    const store = await openStore(db.url);
    expect(await store.writable()).toBeUndefined();
    await db.drop();
    expect(await store.writable()).toMatch(/unreachable|refused/);
    await expect(store.enqueue(event())).rejects.toMatchObject({
      code: 'RELAY_ERR_STORAGE_BUSY',
      status: 503,
    });
  });
});

const BUSY = ['e1', 'e2'];

/** a holds both BUSY endpoints, each with an attempt in flight, when b joins: a frees one of them still busy. */
async function handOverBusy() {
  const { a, b } = await twoRelays();
  await a.cluster.renew(BUSY, NOW);
  await a.enqueue(event({ endpoints: BUSY }));
  const claimed = await a.claim(
    BUSY.map((endpoint) => ({ ...ask(1), endpoint })),
    NOW,
  );
  await b.cluster.renew(BUSY, NOW);
  const kept = (await a.cluster.renew(BUSY, NOW)).owned;
  expect(kept.size).toBe(1);
  const handed = BUSY.find((endpoint) => !kept.has(endpoint))!;
  const busy = claimed.find((c) => c.endpoint === handed)!.fresh[0]!;
  return { a, b, handed, busy };
}

function attempt(status: number | undefined) {
  return { startedAt: NOW, durationMs: 12.4, status, error: undefined, response: Buffer.from('ok') };
}

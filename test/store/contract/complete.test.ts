import { describe, expect, it } from 'vitest';
import { backends } from './backends.ts';
import {
  attempt,
  CUT_OFF,
  claimed,
  claimOf,
  complete,
  completion,
  detail,
  enqueued,
  event,
  MINUTE,
  oneInFlight,
  SECOND,
  T0,
  unanswered,
  unfinished,
} from './fixtures.ts';

describe.each(backends)('$name store: complete', (backend) => {
  it('delivered: records the attempt and finishes the delivery, which leaves the backlog', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    const made = { ...attempt(T0 + 10, 204), durationMs: 42 };
    expect(await complete(store, d, { next: 'delivered' }, T0 + 100, made)).toBe(true);

    expect(await detail(store, d.id)).toMatchObject({
      state: 'delivered',
      attempts: 1,
      finishedAt: T0 + 100,
      lastStatus: 204,
      lastError: undefined,
      attemptLog: [
        { n: 1, startedAt: T0 + 10, durationMs: 42, status: 204, error: undefined, response: made.response },
      ],
    });
    expect(await unfinished(store)).toEqual({});
    expect(await claimed(store, 'crm', T0 + MINUTE)).toEqual([]);
  });

  it('retry at T: the attempt and the schedule in one write; pending, due at T and not before', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    const retryAt = T0 + MINUTE;
    expect(await complete(store, d, { next: 'retry', at: retryAt }, T0 + 50, attempt(T0, 503))).toBe(true);

    expect(await detail(store, d.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      step: 1,
      nextAttemptAt: retryAt,
      finishedAt: undefined,
      lastStatus: 503,
      lastError: 'failed with 503',
      attemptLog: [{ n: 1, startedAt: T0, status: 503, error: 'failed with 503' }],
    });
    expect(await unfinished(store)).toEqual({ crm: 1 });
    expect(await claimOf(store, 'crm', retryAt - 1)).toMatchObject({
      fresh: [],
      retries: [],
      exhausted: true,
      nextDue: retryAt,
    });
    const again = await claimOf(store, 'crm', retryAt);
    expect(again.fresh).toEqual([]);
    expect(again.retries).toMatchObject([{ id: d.id, attempts: 1, step: 1 }]);

    const second = again.retries[0]!;
    const nextAt = retryAt + 5 * MINUTE;
    expect(await complete(store, second, { next: 'retry', at: nextAt }, retryAt, unanswered(retryAt))).toBe(
      true,
    );
    expect(await detail(store, d.id)).toMatchObject({
      attempts: 2,
      step: 2,
      nextAttemptAt: nextAt,
      lastStatus: undefined,
      lastError: 'timed out',
      attemptLog: [
        { n: 1, status: 503 },
        { n: 2, status: undefined, response: undefined },
      ],
    });
  });

  it('dead: records the attempt and finishes the delivery as dead', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    expect(await complete(store, d, { next: 'dead' }, T0 + 100, attempt(T0, 400))).toBe(true);

    expect(await detail(store, d.id)).toMatchObject({
      state: 'dead',
      attempts: 1,
      finishedAt: T0 + 100,
      lastStatus: 400,
      lastError: 'failed with 400',
      attemptLog: [{ n: 1, status: 400 }],
    });
    expect(await unfinished(store)).toEqual({});
    expect(await store.reads.deadCounts()).toEqual(new Map([['crm', 1]]));
    expect(await claimed(store, 'crm', T0 + MINUTE)).toEqual([]);
  });

  it('release after an answer (a pause): the attempt counts, the schedule does not move', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    const until = T0 + 30 * SECOND;
    expect(await complete(store, d, { next: 'release', at: until }, T0 + 10, attempt(T0, 429))).toBe(true);

    expect(await detail(store, d.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      step: 0,
      nextAttemptAt: until,
      finishedAt: undefined,
      lastStatus: 429,
      attemptLog: [{ n: 1, status: 429 }],
    });
    expect(await claimed(store, 'crm', until - 1)).toEqual([]);
    const back = await claimOf(store, 'crm', until);
    expect(back.retries).toMatchObject([{ id: d.id, attempts: 1, step: 0 }]);
  });

  it('release cut off before counting (shutdown): no attempt, nothing counted, due again at once', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    expect(await complete(store, d, { next: 'release', at: T0 + 5 }, T0 + 5, CUT_OFF)).toBe(true);

    expect(await detail(store, d.id)).toMatchObject({
      state: 'pending',
      attempts: 0,
      step: 0,
      nextAttemptAt: T0 + 5,
      lastStatus: undefined,
      attemptLog: [],
    });
    const back = await claimOf(store, 'crm', T0 + 5);
    expect(back.fresh).toMatchObject([{ id: d.id, attempts: 0 }]);

    // The next real attempt is the first one in the log.
    expect(await complete(store, back.fresh[0]!, { next: 'delivered' }, T0 + 10, attempt(T0 + 6))).toBe(true);
    expect((await detail(store, d.id)).attemptLog.map((a) => a.n)).toEqual([1]);
  });

  it('release with `disable` disables the endpoint in the same write', async () => {
    const { store } = await backend.open();
    const d = await oneInFlight(store);
    const disable = { endpoint: 'crm', reason: '410 Gone' };
    expect(
      await complete(store, d, { next: 'release', at: T0 + 20, disable }, T0 + 20, attempt(T0, 410)),
    ).toBe(true);
    expect((await store.endpointStates()).get('crm')).toEqual({ state: 'disabled', changedAt: T0 + 20 });
    expect(await detail(store, d.id)).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 410 });
  });

  it('answers a batch of completions in order, applying each on its own', async () => {
    const { store } = await backend.open();
    await enqueued(store, event(), event(), event());
    const [a, b, c] = await claimed(store, 'crm', T0);
    const stale = { ...completion(b!, { next: 'delivered' }), claim: b!.claim + 1 };
    const answers = await store.complete(
      [completion(a!, { next: 'delivered' }), stale, completion(c!, { next: 'dead' }, attempt(T0, 500))],
      T0 + 100,
    );
    expect(answers).toEqual([true, false, true]);
    expect((await detail(store, a!.id)).state).toBe('delivered');
    expect(await detail(store, b!.id)).toMatchObject({ state: 'in_flight', attempts: 0, attemptLog: [] });
    expect((await detail(store, c!.id)).state).toBe('dead');
  });

  it('answers an empty batch with an empty answer', async () => {
    const { store } = await backend.open();
    expect(await store.complete([], T0)).toEqual([]);
    expect(await store.claim([], T0)).toEqual([]);
  });
});

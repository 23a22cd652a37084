import { describe, expect, it } from 'vitest';
import { backends } from './backends.ts';
import { accepted, claimed, completion, event, MINUTE, T0 } from './fixtures.ts';

describe.each(backends)('$name store: lifecycle', (backend) => {
  it('is writable and refuses nothing when healthy', async () => {
    const { store } = await backend.open();
    expect(store.refusal()).toBeUndefined();
    expect(await store.writable()).toBeUndefined();
  });

  it('answers every close with the same promise, after writing what was handed over before it', async () => {
    const opened = await backend.open();
    const e = event();
    const stored = opened.store.enqueue(e);
    const first = opened.store.close();
    expect(opened.store.close()).toBe(first);
    await first;
    expect(await stored).toEqual(accepted(e));
    const store = await opened.reopen();
    expect((await store.reads.event(e.id))?.body).toEqual(e.body);
  });
});

describe.each(backends)('$name store: large operator changes', (backend) => {
  it('replays and drops more than one batch in one call each', async () => {
    const { store } = await backend.open();
    const many = Array.from({ length: 1_100 }, (_, i) => event({ receivedAt: T0 + i }));
    await Promise.all(many.map((e) => store.enqueue(e)));
    const leased = await claimed(store, 'crm', T0 + MINUTE, { fresh: 1_100, retries: 0 });
    const answers = await store.complete(
      leased.map((d) => completion(d, { next: 'dead' })),
      T0 + MINUTE,
    );
    expect(answers.filter(Boolean)).toHaveLength(1_100);
    const request = { endpoint: 'crm', state: 'dead' as const, since: 0, limit: 1_000 };
    expect(await store.operator.replay({ ...request, dryRun: true }, T0 + 2 * MINUTE)).toEqual({
      matched: 1_100,
      requeued: 0,
    });
    expect(await store.operator.replay({ ...request, dryRun: false }, T0 + 2 * MINUTE)).toEqual({
      matched: 1_100,
      requeued: 1_000,
    });
    expect(await store.reads.deadCounts()).toEqual(new Map([['crm', 100]]));
    expect(await store.operator.dropBacklog('crm', T0 + 3 * MINUTE)).toBe(1_000);
    expect((await store.unfinishedCounts()).get('crm') ?? 0).toBe(0);
  });
});

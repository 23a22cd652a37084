import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { EnqueueGroupCommit } from '../../../src/store/postgres/group-commit.ts';
import type { EnqueueResult, NewEvent } from '../../../src/store/store.ts';
import { event } from './helpers.ts';

/** A batch writer that answers only when told, recording what it was handed and when. */
function heldWriter() {
  const batches: { ids: string[]; answer: () => void }[] = [];
  const write = (events: readonly NewEvent[]) =>
    new Promise<EnqueueResult[]>((resolve) => {
      batches.push({
        ids: events.map((e) => e.id),
        answer: () =>
          resolve(
            events.map((e) => ({
              duplicateOf: undefined,
              endpoints: [...e.endpoints],
              held: [],
              leased: [],
            })),
          ),
      });
    });
  return { batches, write };
}

describe('PostgreSQL group commit', () => {
  it('sends a batch of ordered events only once the last one has committed', async () => {
    const writer = heldWriter();
    const commits = new EnqueueGroupCommit(writer.write, 4);
    const ordered = () => event({ orderKeys: { crm: 'k' } });
    const first = commits.run(ordered());
    await nextTurn();
    const second = commits.run(ordered());
    await nextTurn();
    await nextTurn();
    expect(writer.batches).toHaveLength(1);
    writer.batches[0]!.answer();
    await first;
    await nextTurn();
    expect(writer.batches).toHaveLength(2);
    writer.batches[1]!.answer();
    await second;
  });

  it('lets batches of unordered events overlap', async () => {
    const writer = heldWriter();
    const commits = new EnqueueGroupCommit(writer.write, 4);
    const done = [commits.run(event())];
    await nextTurn();
    done.push(commits.run(event()));
    await nextTurn();
    await nextTurn();
    expect(writer.batches).toHaveLength(2);
    for (const batch of writer.batches) batch.answer();
    await Promise.all(done);
  });
});

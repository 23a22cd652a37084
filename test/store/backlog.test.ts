import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/store/backlog.ts';

describe('the backlog counts in memory', () => {
  it('takes the store’s counts on a re-read, keeping what was counted while the read was out', async () => {
    const backlog = new Backlog(new Map([['crm', 5]]));
    let answer!: (counts: Map<string, number>) => void;
    const reread = backlog.reset(() => new Promise((resolve) => (answer = resolve)));
    // Stored by this relay after the read's snapshot: the store's answer cannot hold it.
    backlog.add('crm');
    answer(new Map([['crm', 2]]));
    await reread;
    expect(backlog.of('crm')).toBe(3);
    expect(backlog.total).toBe(3);
    // Counted after the re-read: as usual.
    backlog.remove('crm');
    expect(backlog.of('crm')).toBe(2);
  });
});

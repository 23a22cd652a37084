import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/store/backlog.ts';

/** A re-read whose answer the test gives, after counting what it likes while the read is out. */
async function reread(
  backlog: Backlog,
  meanwhile: () => void,
  answer: Map<string, number>,
): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<Map<string, number>>();
  const settled = backlog.reset(() => promise);
  meanwhile();
  resolve(answer);
  return settled;
}

describe('the backlog counts in memory', () => {
  it('takes the store’s counts on a re-read, for endpoints this relay counted nothing for meanwhile', async () => {
    const backlog = new Backlog(
      new Map([
        ['crm', 5],
        ['erp', 1],
      ]),
    );
    // Another relay stored one for crm and finished erp's: only the store knows.
    expect(await reread(backlog, () => {}, new Map([['crm', 6]]))).toBe(true);
    expect(backlog.of('crm')).toBe(6);
    expect(backlog.of('erp')).toBe(0);
    expect(backlog.total).toBe(6);
    // Made due sooner (a count of 0) changes no count: the endpoint is still quiet.
    expect(await reread(backlog, () => backlog.add('crm', 0), new Map([['crm', 7]]))).toBe(true);
    expect(backlog.of('crm')).toBe(7);
  });

  it('keeps its own count of an endpoint it counted a change for while the read was out, and asks for another', async () => {
    const backlog = new Backlog(
      new Map([
        ['crm', 5],
        ['erp', 2],
      ]),
    );
    // Stored here while the read was out: the answer may hold it (4 + 1) or not (4). Either way
    // relay's own count (6) is right for its own work; taking the answer plus the change could
    // count it twice.
    expect(
      await reread(
        backlog,
        () => backlog.add('crm'),
        new Map([
          ['crm', 5],
          ['erp', 3],
        ]),
      ),
    ).toBe(false);
    expect(backlog.of('crm')).toBe(6);
    expect(backlog.of('erp')).toBe(3);
    expect(backlog.total).toBe(9);
    // The next read finds it quiet and takes the store's count (another relay's event in it).
    expect(
      await reread(
        backlog,
        () => {},
        new Map([
          ['crm', 7],
          ['erp', 3],
        ]),
      ),
    ).toBe(true);
    expect(backlog.of('crm')).toBe(7);
    expect(backlog.total).toBe(10);
    // Counted after a re-read: as usual.
    backlog.remove('crm');
    expect(backlog.of('crm')).toBe(6);
  });

  it('keeps its own count of an endpoint whose store write was out during the read, counted after it', async () => {
    const backlog = new Backlog(new Map([['crm', 1]]));
    const written = Promise.withResolvers<number>();
    // Committed before the read's snapshot (the answer holds it), but its answer, and so its
    // count here, comes after the read's: counting both would count it twice.
    const write = backlog.writing(['crm'], () => written.promise).then((n) => backlog.add('crm', n));
    expect(await reread(backlog, () => {}, new Map([['crm', 3]]))).toBe(false);
    written.resolve(2);
    await write;
    expect(backlog.of('crm')).toBe(3);
    expect(await reread(backlog, () => {}, new Map([['crm', 3]]))).toBe(true);
    expect(backlog.of('crm')).toBe(3);
  });

  it('takes the store’s count plus what it counted meanwhile once an endpoint was busy at three reads in a row', async () => {
    const backlog = new Backlog(new Map([['crm', 5]]));
    expect(await reread(backlog, () => backlog.add('crm'), new Map([['crm', 10]]))).toBe(false);
    expect(await reread(backlog, () => backlog.add('crm'), new Map([['crm', 11]]))).toBe(false);
    expect(backlog.of('crm')).toBe(7);
    // Busy every time: the other relays' work (here 4 more) must get in at some point.
    expect(await reread(backlog, () => backlog.remove('crm'), new Map([['crm', 12]]))).toBe(true);
    expect(backlog.of('crm')).toBe(11);
    expect(backlog.total).toBe(11);
    // The streak starts again.
    expect(await reread(backlog, () => backlog.add('crm'), new Map([['crm', 20]]))).toBe(false);
    expect(backlog.of('crm')).toBe(12);
  });
});

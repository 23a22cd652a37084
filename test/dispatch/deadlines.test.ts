import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AttemptDeadlines } from '../../src/dispatch/deadlines.ts';

describe('AttemptDeadlines', () => {
  it('aborts an attempt past its timeout with reason timeout, and leaves a finished one alone', async () => {
    const deadlines = new AttemptDeadlines();
    const slow = deadlines.start(30);
    const quick = deadlines.start(30);
    quick.done();
    await once(slow.signal, 'abort');
    expect(slow.signal.reason).toBe('timeout');
    expect(quick.signal.aborted).toBe(false);
    slow.done();
  });

  it('cancels everything in flight at shutdown with reason cancelled', () => {
    const deadlines = new AttemptDeadlines();
    const attempts = [deadlines.start(60_000), deadlines.start(60_000)];
    deadlines.cancelAll();
    expect(attempts.map((a) => a.signal.reason)).toEqual(['cancelled', 'cancelled']);
    for (const a of attempts) a.done();
  });
});

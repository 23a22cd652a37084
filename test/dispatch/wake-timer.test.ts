import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { WakeTimer } from '../../src/dispatch/wake-timer.ts';

describe('WakeTimer', () => {
  it('wakes items in time order, once each, ignoring a later request for an item already due sooner', async () => {
    const woken: string[][] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const timer = new WakeTimer<string>(systemClock, (items) => {
      woken.push(items);
      if (woken.flat().length === 2) done();
    });
    const now = systemClock.now();
    timer.at(now + 40, 'a');
    timer.at(now + 5_000, 'a'); // later than the pending wake-up: adds nothing
    timer.at(now + 10, 'b');
    await finished;
    timer.stop();
    expect(woken).toEqual([['b'], ['a']]);
  });

  it('wakes again at a later time once the earlier wake-up has passed', async () => {
    const woken: number[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const timer = new WakeTimer<string>(systemClock, () => {
      woken.push(systemClock.now());
      if (woken.length === 1) timer.at(systemClock.now() + 10, 'a');
      else done();
    });
    timer.at(systemClock.now() + 10, 'a');
    await finished;
    timer.stop();
    expect(woken).toHaveLength(2);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { Throughput } from '../../src/admin/throughput.ts';
import { publishSettled } from '../../src/dispatch/observe.ts';
import type { Settlement } from '../../src/dispatch/settle.ts';
import { ManualClock } from '../helpers/clock.ts';

const opened: Throughput[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
});

function settle(endpoint: string, settlement: Settlement, applied = true): void {
  publishSettled({ endpoint, deliveryId: 1, eventId: 'e', settlement, applied });
}

describe('Throughput', () => {
  it('counts delivered and failed attempts per minute for the last hour, current minute last', () => {
    const clock = new ManualClock();
    const throughput = new Throughput(clock);
    opened.push(throughput);
    settle('crm', { kind: 'delivered' });
    settle('crm', { kind: 'retry', at: 0 });
    settle('crm', { kind: 'dead' });
    settle('crm', { kind: 'cancelled' }); // a shutdown's cut-off is no attempt
    settle('crm', { kind: 'delivered' }, false); // nor is a completion the store refused
    settle('other', { kind: 'delivered' });
    let crm = throughput.lastHour('crm');
    expect(crm.delivered).toHaveLength(60);
    expect([crm.delivered.at(-1), crm.failed.at(-1)]).toEqual([1, 2]);

    clock.advance(60_000);
    settle('crm', { kind: 'delivered' });
    crm = throughput.lastHour('crm');
    expect(crm.delivered.slice(-2)).toEqual([1, 1]);
    expect(crm.failed.slice(-2)).toEqual([2, 0]);

    // An hour on, the old minutes are gone, though their ring slots were never written again.
    clock.advance(60 * 60_000);
    expect(throughput.lastHour('crm')).toEqual({ delivered: Array(60).fill(0), failed: Array(60).fill(0) });
    expect(throughput.lastHour('never-seen').delivered.every((n) => n === 0)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { openStore } from '../../src/store/open.ts';
import { byBackend } from '../helpers/backend.ts';
import { appliedOutcome, claimsHeldBack, dispatcherOn, storeCrmEvent } from '../helpers/dispatcher.ts';
import { testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

const cases = [
  { answer: '410 Gone', status: 410, headers: {}, settlement: 'gone' },
  { answer: '429 with Retry-After', status: 429, headers: { 'retry-after': '60' }, settlement: 'paused' },
] as const;

describe('a claim that answers after its lane stopped sending', () => {
  it.each(cases)(
    'gives back what it claimed, unsent, when the endpoint answered $answer meanwhile',
    async ({ status, headers, settlement }) => {
      const target = await startTarget(() => ({ hold: true }));
      const config = testConfig(`
sources: { app: {} }
endpoints: { crm: { url: "${target.url}/crm" } }
routes: [{ from: [app], to: [crm] }]
${byBackend({ sqlite: '', postgres: 'cluster: { lease: 10m }' })}
`);
      const opened = await openStore(config, { minFreeDisk: () => 0 });
      const { store, holdNext } = claimsHeldBack(opened);
      // Stored before the dispatcher starts, so its first claim (at start) is the only one and
      // takes it: no other claim is out when the second event comes. On PostgreSQL the store
      // claims only under a lease held.
      await store.cluster.renew(['crm'], systemClock.now());
      await storeCrmEvent(store, 'evt_late_first');
      const dispatcher = await dispatcherOn(config, store);
      try {
        await target.waitFor(1);

        // A second event wakes the lane while the first is in flight; its claim runs only once
        // the first one's answer is stored, so it sees what that answer left due.
        await storeCrmEvent(store, 'evt_late_second');
        const outcome = appliedOutcome('crm');
        const held = holdNext(outcome);
        dispatcher.added('crm');
        await held.asked;
        target.releaseHeld(status, headers);
        expect((await outcome).settlement.kind).toBe(settlement);
        const claim = (await held.answered)[0]!;
        expect([...claim.fresh, ...claim.retries].map((d) => d.eventId)).toContain('evt_late_second');
        await dispatcher.stop(5_000);

        expect(target.requests).toHaveLength(1);
        const [second] = await store.reads.deliveriesOf('evt_late_second');
        expect(second).toMatchObject({ state: 'pending', attempts: 0, step: 0 });
        const [first] = await store.reads.deliveriesOf('evt_late_first');
        expect(first).toMatchObject({ state: 'pending', attempts: 1, step: 0, lastStatus: status });
      } finally {
        await dispatcher.stop(1_000);
        await opened.close();
      }
    },
  );
});

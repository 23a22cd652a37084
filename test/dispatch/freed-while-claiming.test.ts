import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { openStore } from '../../src/store/open.ts';
import { byBackend } from '../helpers/backend.ts';
import { appliedOutcome, claimsHeldBack, dispatcherOn, storeCrmEvent } from '../helpers/dispatcher.ts';
import { testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

describe('a slot freed while its lane has a claim out', () => {
  it('is looked at again when the claim answers, so a due retry is not left for the backstop', async () => {
    // Both first attempts fail; of the two retries the first to arrive is held, the other delivered.
    let retriesSeen = 0;
    const target = await startTarget((r) => {
      if (r.headers['x-relay-attempt'] === '1') return { status: 500 };
      return retriesSeen++ === 0 ? { hold: true } : { status: 200 };
    });
    // Concurrency 2 keeps one slot for first attempts: with one retry in flight, a claim asks
    // for first attempts only, finds none and is not exhausted (retries are waiting).
    const config = testConfig(`
sources: { app: {} }
endpoints: { crm: { url: "${target.url}/crm", concurrency: 2, retry: { schedule: [50ms], jitter: 0 } } }
routes: [{ from: [app], to: [crm] }]
${byBackend({ sqlite: '', postgres: 'cluster: { lease: 10m }' })}
`);
    const opened = await openStore(config, { minFreeDisk: () => 0 });
    const { store, holdNext } = claimsHeldBack(opened);
    await store.cluster.renew(['crm'], systemClock.now());
    for (const id of ['evt_freed_a', 'evt_freed_b']) await storeCrmEvent(store, id);
    const dispatcher = await dispatcherOn(config, store);
    try {
      // Two failed first attempts and one retry held; the other retry is due, waiting for a slot.
      await target.waitFor(3);

      // A claim goes out (asking for first attempts only) and is answered only after the held
      // retry's outcome is stored: its slot comes free while the claim is out.
      const outcome = appliedOutcome('crm');
      const held = holdNext(outcome);
      dispatcher.added('crm', 0);
      await held.asked;
      target.releaseHeld(200);
      expect((await outcome).settlement.kind).toBe('delivered');
      const last = appliedOutcome('crm');
      const claim = (await held.answered)[0]!;
      expect(claim.exhausted).toBe(false);

      // The waiting retry goes out now, not at the 30 s backstop.
      const retries = await target.waitFor(4, 5_000);
      expect(retries.map((r) => r.headers['x-relay-attempt'])).toEqual(['1', '1', '2', '2']);
      expect((await last).settlement.kind).toBe('delivered');
      for (const id of ['evt_freed_a', 'evt_freed_b']) {
        expect((await store.reads.deliveriesOf(id)).map((d) => d.state)).toEqual(['delivered']);
      }
    } finally {
      await dispatcher.stop(1_000);
      await opened.close();
    }
  });
});

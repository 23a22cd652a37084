/** The store-alone bounds' outcomes: each answer written back as relay's completion writes it. */
import type { ClaimedDelivery, Completion } from '../../../src/store/claims.ts';
import type { Store } from '../../../src/store/store.ts';

/**
 * Records a delivered answer; a loop turn's are written in one `complete`
 * call, deferrable (nothing waits for it), as relay's completer writes a
 * delivered one. `written` runs after each call.
 */
export function outcomeWriter(
  store: Store,
  written: (done: Promise<unknown>) => void,
): (delivery: ClaimedDelivery, startedAt: number, status: number) => void {
  let outcomes: Completion[] = [];
  return (delivery, startedAt, status) => {
    if (outcomes.length === 0) {
      setImmediate(() => {
        const batch = outcomes;
        outcomes = [];
        written(store.complete(batch, Date.now(), { deferrable: true }));
      });
    }
    const attempt = {
      startedAt,
      durationMs: Date.now() - startedAt,
      status,
      error: undefined,
      response: undefined,
    };
    outcomes.push({ deliveryId: delivery.id, claim: delivery.claim, attempt, next: 'delivered' });
  };
}

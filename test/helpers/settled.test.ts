import { describe, expect, it } from 'vitest';
import { publishSettled, type SettledMessage, settledChannel } from '../../src/dispatch/observe.ts';
import { settledAfter, watchSettled } from './settled.ts';

function message(deliveryId: number, kind: 'delivered' | 'dead' = 'delivered'): SettledMessage {
  return { endpoint: 'hook', deliveryId, eventId: `evt_${deliveryId}`, settlement: { kind }, applied: true };
}

describe('the settled-message helper', () => {
  it('finds a message published before anyone awaited it, and takes each message once', async () => {
    const watch = watchSettled();
    publishSettled(message(1));
    publishSettled(message(2, 'dead'));
    publishSettled(message(3));
    expect((await watch.next()).deliveryId).toBe(1);
    expect((await watch.next({ settlement: { kind: 'delivered' } })).deliveryId).toBe(3);
    expect((await watch.next()).deliveryId).toBe(2);
    expect((await watch.until(2, { settlement: { kind: 'delivered' } })).map((m) => m.deliveryId)).toEqual([
      1, 3,
    ]);
    const later = watch.next((m) => m.deliveryId === 4);
    publishSettled(message(4));
    expect((await later).eventId).toBe('evt_4');
    watch.close();
  });

  it('rejects on timeout saying what it waited for and what it saw', async () => {
    const watch = watchSettled();
    publishSettled(message(7, 'dead'));
    await expect(
      watch.next({ eventId: 'evt_7', settlement: { kind: 'delivered' } }, { timeoutMs: 20 }),
    ).rejects.toThrow(
      'relay:delivery:settled: a message matching {"eventId":"evt_7","settlement":{"kind":"delivered"}} not seen within 20 ms; 1 message(s) seen, the last: hook delivery 7 dead',
    );
    watch.close();
  });

  it('unsubscribes when closed, rejecting what is still awaited', async () => {
    const watch = watchSettled();
    const pending = watch.next();
    watch.close();
    await expect(pending).rejects.toThrow('watch closed while still awaited');
    expect(settledChannel.hasSubscribers).toBe(false);
    await settledAfter(() => publishSettled(message(5)), { deliveryId: 5 });
    expect(settledChannel.hasSubscribers).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { expectEveryTypeStoredDeliveredAndDeduped, presetRelay } from './preset-relay.ts';

describe('preset bluemessaggio', () => {
  it('stores, delivers and dedupes each status of one message and an inbound reply', async () => {
    const relay = await presetRelay('bluemessaggio', 'bm-signing-secret');
    expect(relay.types).toEqual(['inbound', 'sent', 'delivered', 'failed', 'read']);
    await expectEveryTypeStoredDeliveredAndDeduped(relay);
  });

  it('takes the type from the payload where the URL is per channel, not per type', async () => {
    const relay = await presetRelay('bluemessaggio', 'bm-signing-secret');
    for (const type of ['sent', 'delivered', 'read']) {
      expect(await relay.send(undefined, relay.sample(type))).toMatchObject({ status: 200, deliveries: 1 });
    }
    expect(await relay.send(undefined, relay.sample('delivered'))).toMatchObject({ duplicate: true });
    expect(await relay.storedTypes()).toEqual(['sent', 'delivered', 'read']);
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  answerOf,
  expectEveryTypeStoredDeliveredAndDeduped,
  type ProviderPost,
  presetRelay,
} from './preset-relay.ts';

const SECRET = 'bm-signing-secret';

// Bluemessaggio signs the payload with an HMAC (the preset assumes hex SHA-256 in x-bluemessaggio-signature).
const send: ProviderPost = async (url, payload, secret) => {
  const body = JSON.stringify(payload);
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return answerOf(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bluemessaggio-signature': `sha256=${signature}` },
      body,
    }),
  );
};

describe('preset bluemessaggio', () => {
  it('stores, delivers and dedupes each status of one message and an inbound reply', async () => {
    const relay = await presetRelay('bluemessaggio', SECRET);
    expect(relay.types).toEqual(['inbound', 'sent', 'delivered', 'failed', 'read']);
    await expectEveryTypeStoredDeliveredAndDeduped(relay, send, SECRET);
  });

  it('takes the type from the payload where the URL is per channel, not per type', async () => {
    const relay = await presetRelay('bluemessaggio', SECRET);
    for (const type of ['sent', 'delivered', 'read']) {
      expect(await send(relay.url(), relay.sample(type), SECRET)).toMatchObject({
        status: 200,
        deliveries: 1,
      });
    }
    expect(await send(relay.url(), relay.sample('delivered'), SECRET)).toMatchObject({ duplicate: true });
    expect(await relay.storedTypes()).toEqual(['sent', 'delivered', 'read']);
  });
});

import { describe, expect, it } from 'vitest';
import {
  answerOf,
  expectEveryTypeStoredDeliveredAndDeduped,
  type ProviderPost,
  presetRelay,
} from './preset-relay.ts';

const TOKEN = 'mobiniti-url-token';

// Mobiniti only takes a URL: the token rides in its query.
const send: ProviderPost = async (url, payload, secret) =>
  answerOf(
    await fetch(`${url}?token=${encodeURIComponent(secret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    }),
  );

describe('preset mobiniti', () => {
  it('stores, delivers and dedupes its six webhooks; a rejection carries no key and is always kept', async () => {
    const relay = await presetRelay('mobiniti', TOKEN);
    expect(relay.types).toEqual([
      'inbound',
      'unsubscribe',
      'bounce',
      'delivery_report',
      'contact_status',
      'rejection',
    ]);
    await expectEveryTypeStoredDeliveredAndDeduped(relay, send, TOKEN, ['rejection']);
  });

  it("keeps every event of one contact although they share the contact's id", async () => {
    const relay = await presetRelay('mobiniti', TOKEN);
    const inbound = relay.sample('inbound');
    const bounce = relay.sample('bounce');
    const events: [string, Record<string, unknown>][] = [
      ['inbound', inbound],
      ['inbound', { ...inbound, message: 'STOP', received_at: '2016-07-01T15:12:40.101Z' }],
      ['unsubscribe', relay.sample('unsubscribe')],
      ['bounce', bounce],
      ['bounce', { ...bounce, bounces: 3, updated_at: '2016-07-02T09:00:00.000Z' }],
      ['contact_status', relay.sample('contact_status')],
      ['contact_status', { ...relay.sample('contact_status'), status: 'resumed' }],
    ];
    for (const [type, payload] of events) {
      expect(payload.id ?? inbound.id).toBe(inbound.id);
      expect(await send(relay.url(type), payload, TOKEN), type).toMatchObject({ status: 200, deliveries: 1 });
    }
    expect(await relay.storedTypes()).toEqual(events.map(([type]) => type));
    await relay.target.waitFor(events.length);
  });

  it('refuses a request whose URL lacks the token', async () => {
    const relay = await presetRelay('mobiniti', TOKEN);
    const res = await fetch(relay.url('inbound'), {
      method: 'POST',
      body: JSON.stringify(relay.sample('inbound')),
    });
    expect(res.status).toBe(401);
    expect(await relay.storedTypes()).toEqual([]);
  });
});

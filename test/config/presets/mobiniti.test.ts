import { describe, expect, it } from 'vitest';
import { expectEveryTypeStoredDeliveredAndDeduped, type Payload, presetRelay } from './preset-relay.ts';

describe('preset mobiniti', () => {
  it('stores, delivers and dedupes its six webhooks; a rejection carries no key and is always kept', async () => {
    const relay = await presetRelay('mobiniti', 'mobiniti-url-token');
    expect(relay.types).toEqual([
      'inbound',
      'unsubscribe',
      'bounce',
      'delivery_report',
      'contact_status',
      'rejection',
    ]);
    await expectEveryTypeStoredDeliveredAndDeduped(relay, ['rejection']);
  });

  it("keeps every event of one contact although they share the contact's id", async () => {
    const relay = await presetRelay('mobiniti', 'mobiniti-url-token');
    const inbound = relay.sample('inbound');
    const bounce = relay.sample('bounce');
    const events: [string, Payload][] = [
      ['inbound', inbound],
      ['inbound', { ...inbound, message: 'STOP', received_at: '2016-07-01T15:12:40.101Z' }],
      ['unsubscribe', relay.sample('unsubscribe')],
      ['bounce', bounce],
      ['bounce', { ...bounce, bounces: 3, updated_at: '2016-07-02T09:00:00.000Z' }],
      ['contact_status', relay.sample('contact_status')],
      ['contact_status', { ...relay.sample('contact_status'), status: 'resumed' }],
    ];
    for (const [type, payload] of events) {
      expect(payload.id).toBe(inbound.id);
      expect(await relay.send(type, payload), type).toMatchObject({ status: 200, deliveries: 1 });
    }
    expect(await relay.storedTypes()).toEqual(events.map(([type]) => type));
    await relay.target.waitFor(events.length);
  });
});

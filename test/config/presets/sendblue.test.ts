import { describe, expect, it } from 'vitest';
import { post } from '../../admin/api.ts';
import { expectEveryTypeStoredDeliveredAndDeduped, presetRelay } from './preset-relay.ts';

describe('preset sendblue', () => {
  it('stores, delivers and dedupes the receive and outbound examples posted to their own URLs', async () => {
    const relay = await presetRelay('sendblue', 'sb-webhook-secret');
    expect(relay.types).toEqual(['receive', 'outbound']);
    const received = await expectEveryTypeStoredDeliveredAndDeduped(relay);
    expect(received.map((r) => JSON.parse(r.body.toString()).status).sort()).toEqual([
      'DELIVERED',
      'RECEIVED',
    ]);
  });

  it('takes the type from is_outbound where the URL names none, and keeps SENT and DELIVERED of one handle', async () => {
    const relay = await presetRelay('sendblue', 'sb-webhook-secret');
    const inbound = await relay.send(undefined, relay.sample('receive'));
    const sent = await relay.send(undefined, { ...relay.sample('outbound'), status: 'SENT' });
    const delivered = await relay.send(undefined, relay.sample('outbound'));
    for (const answer of [inbound, sent, delivered])
      expect(answer).toMatchObject({ status: 200, deliveries: 1 });
    expect(await relay.send(undefined, { ...relay.sample('outbound'), status: 'SENT' })).toMatchObject({
      id: sent.id,
      duplicate: true,
    });
    expect(await relay.storedTypes()).toEqual(['receive', 'outbound', 'outbound']);
  });

  it('stores a webhook type the seed shows no payload for under its URL', async () => {
    const relay = await presetRelay('sendblue', 'sb-webhook-secret');
    expect(await relay.send('call_log', { duration: 42 })).toMatchObject({ status: 200, deliveries: 1 });
    expect(await relay.storedTypes()).toEqual(['call_log']);
  });

  it("has relay test send the preset's sample of the asked type, as SendBlue's Test webhooks would", async () => {
    const relay = await presetRelay('sendblue', 'sb-webhook-secret');
    const answer = await post(relay.adminUrl, '/admin/endpoints/sink/test', { type: 'outbound' });
    expect(answer.json).toMatchObject({ ok: true, type: 'outbound' });
    const [request] = await relay.target.waitFor(1);
    expect(JSON.parse(request!.body.toString())).toEqual(relay.sample('outbound'));
    expect(await relay.storedTypes()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { post } from '../../admin/api.ts';
import {
  answerOf,
  expectEveryTypeStoredDeliveredAndDeduped,
  type ProviderPost,
  presetRelay,
} from './preset-relay.ts';

const SECRET = 'sb-webhook-secret';

// SendBlue puts the secret "in the webhook request headers" (the preset reads sb-signing-secret).
const send: ProviderPost = async (url, payload, secret) =>
  answerOf(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sb-signing-secret': secret },
      body: JSON.stringify(payload),
    }),
  );

describe('preset sendblue', () => {
  it('stores, delivers and dedupes the receive and outbound examples posted to their own URLs', async () => {
    const relay = await presetRelay('sendblue', SECRET);
    expect(relay.types).toEqual(['receive', 'outbound']);
    const received = await expectEveryTypeStoredDeliveredAndDeduped(relay, send, SECRET);
    expect(received.map((r) => JSON.parse(r.body.toString()).status).sort()).toEqual([
      'DELIVERED',
      'RECEIVED',
    ]);
  });

  it('takes the type from is_outbound where the URL names none, and keeps SENT and DELIVERED of one handle', async () => {
    const relay = await presetRelay('sendblue', SECRET);
    const inbound = await send(relay.url(), relay.sample('receive'), SECRET);
    const sent = await send(relay.url(), { ...relay.sample('outbound'), status: 'SENT' }, SECRET);
    const delivered = await send(relay.url(), relay.sample('outbound'), SECRET);
    for (const answer of [inbound, sent, delivered])
      expect(answer).toMatchObject({ status: 200, deliveries: 1 });
    expect(await send(relay.url(), { ...relay.sample('outbound'), status: 'SENT' }, SECRET)).toMatchObject({
      id: sent.id,
      duplicate: true,
    });
    expect(await relay.storedTypes()).toEqual(['receive', 'outbound', 'outbound']);
  });

  it('stores a webhook type the seed shows no payload for under its URL', async () => {
    const relay = await presetRelay('sendblue', SECRET);
    const answer = await send(relay.url('call_log'), { duration: 42 }, SECRET);
    expect(answer).toMatchObject({ status: 200, deliveries: 1 });
    expect(await relay.storedTypes()).toEqual(['call_log']);
  });

  it("has relay test send the preset's sample of the asked type, as SendBlue's Test webhooks would", async () => {
    const relay = await presetRelay('sendblue', SECRET);
    const answer = await post(relay.adminUrl, '/admin/endpoints/sink/test', { type: 'outbound' });
    expect(answer.json).toMatchObject({ ok: true, type: 'outbound' });
    const [request] = await relay.target.waitFor(1);
    expect(JSON.parse(request!.body.toString())).toEqual(relay.sample('outbound'));
    expect(await relay.storedTypes()).toEqual([]);
  });
});

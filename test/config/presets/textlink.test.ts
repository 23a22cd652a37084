import { describe, expect, it } from 'vitest';
import { expectEveryTypeStoredDeliveredAndDeduped, presetRelay } from './preset-relay.ts';

const SECRET = 'tl-webhook-secret';

describe.each([
  { preset: 'textlink', idField: 'textlink_id' },
  { preset: 'blububl', idField: 'blububl_id' },
] as const)('preset $preset', ({ preset, idField }) => {
  it('stores, delivers and dedupes the four webhooks, the secret taken out of every body', async () => {
    const relay = await presetRelay(preset, SECRET);
    expect(relay.types).toEqual(['received', 'sent', 'failed', 'tag_change']);
    const received = await expectEveryTypeStoredDeliveredAndDeduped(relay);
    for (const request of received) {
      expect(request.body.toString()).not.toContain(SECRET);
      expect(JSON.parse(request.body.toString())).not.toHaveProperty('secret');
    }
  });

  it('keeps the sent and then the failed webhook of one message, and one failure once', async () => {
    const relay = await presetRelay(preset, SECRET);
    const failed = relay.sample('failed');
    const sent = await relay.send('sent', { ...relay.sample('sent'), [idField]: failed[idField] });
    const failure = await relay.send('failed', failed);
    expect(sent).toMatchObject({ status: 200, deliveries: 1 });
    expect(failure).toMatchObject({ status: 200, deliveries: 1 });
    expect(await relay.send('failed', failed)).toMatchObject({ id: failure.id, duplicate: true });
    expect(await relay.storedTypes()).toEqual(['sent', 'failed']);
  });

  it('keeps two messages from one number received at different times', async () => {
    const relay = await presetRelay(preset, SECRET);
    const first = relay.sample('received');
    const later = { ...first, text: 'Still working?', timestamp: Number(first.timestamp) + 1 };
    expect(await relay.send('received', first)).toMatchObject({ deliveries: 1 });
    expect(await relay.send('received', later)).toMatchObject({ deliveries: 1 });
    expect(await relay.storedTypes()).toEqual(['received', 'received']);
  });
});

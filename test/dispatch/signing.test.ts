import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

const NEW_SECRET = `whsec_${Buffer.from('new-signing-key-0123456789abcdef').toString('base64')}`;
const OLD_SECRET = `whsec_${Buffer.from('old-signing-key-0123456789abcdef').toString('base64')}`;

describe('signed deliveries', () => {
  it('verify with the standardwebhooks package, with either secret of a rotation, and with node:crypto for hmac-sha256', async () => {
    const target = await startTarget();
    const relay = await startTestRelay(
      testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  standard:
    url: "${target.url}/standard"
    signing: { scheme: standard-webhooks, secret: ["${NEW_SECRET}", "${OLD_SECRET}"] }
  hmac:
    url: "${target.url}/hmac"
    signing: { scheme: hmac-sha256, header: X-Signature, secret: hmac-key }
  shared:
    url: "${target.url}/shared"
    signing: { scheme: header, header: sb-signing-secret, secret: shared-value }
routes: [{ from: [app], types: "*", to: [standard, hmac, shared] }]
`),
    );
    const body = '{"type":"message.received","text":"héllo"}';
    const res = await post(`${relay.ingestUrl}/in/app`, body);
    const { id } = res.json() as { id: string };
    const requests = await target.waitFor(3);
    const byPath = new Map(requests.map((r) => [r.path, r]));

    const standard = byPath.get('/standard')!;
    const headers = standard.headers as Record<string, string>;
    expect(standard.body.toString()).toBe(body);
    expect(headers['webhook-id']).toBe(id);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // A receiver that knows only the new secret, and one still on the old secret, both verify.
    expect(new Webhook(NEW_SECRET).verify(standard.body.toString(), headers)).toEqual(JSON.parse(body));
    expect(new Webhook(OLD_SECRET).verify(standard.body.toString(), headers)).toEqual(JSON.parse(body));
    const tampered = `${standard.body.toString().slice(0, -1)} }`;
    expect(() => new Webhook(NEW_SECRET).verify(tampered, headers)).toThrow();

    const hmac = byPath.get('/hmac')!;
    const expected = createHmac('sha256', 'hmac-key').update(hmac.body).digest('hex');
    expect(hmac.headers['x-signature']).toBe(`sha256=${expected}`);

    expect(byPath.get('/shared')!.headers['sb-signing-secret']).toBe('shared-value');
  });

  it('adds a body_field secret to the JSON body it sends, TextLink style', async () => {
    const target = await startTarget();
    const relay = await startTestRelay(
      testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  textlink_style:
    url: "${target.url}/tl"
    signing: { scheme: body_field, field: secret, secret: tl-outbound }
routes: [{ from: [app], types: "*", to: [textlink_style] }]
`),
    );
    await post(`${relay.ingestUrl}/in/app`, '{"type":"x","id":98765432109876543210}');
    const [request] = await target.waitFor(1);
    expect(request!.body.toString()).toBe('{"secret":"tl-outbound","type":"x","id":98765432109876543210}');
  });
});

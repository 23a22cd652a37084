import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { SigningConfig } from '../../src/config/schema.ts';
import { signDelivery } from '../../src/signing/outbound.ts';

const json = Buffer.from(
  '{\n  "content": "Hello!",\n  "n": 12345678901234567890123,\n  "is_outbound": false\n}',
);
const msg = {
  id: 'evt_01J9Z8Q4S6V2X3Y4Z5A6B7C8D9',
  timestampSec: 0,
  body: json,
  contentType: 'application/json',
};

describe('signDelivery', () => {
  it('leaves an unsigned delivery untouched', () => {
    expect(signDelivery(undefined, msg)).toEqual({ headers: {}, body: json });
  });

  it('signs standard-webhooks with every secret, each verifiable by the package', () => {
    const [a, b] = [randomBytes(24), randomBytes(24)].map((k) => `whsec_${k.toString('base64')}`);
    const signing: SigningConfig = { scheme: 'standard-webhooks', secrets: [a!, b!] };
    const timestampSec = Math.floor(Date.now() / 1000);
    const signed = signDelivery(signing, { ...msg, timestampSec });
    expect(Object.keys(signed.headers)).toEqual(['webhook-signature']);
    expect(signed.body).toBe(json);
    const headers = {
      'webhook-id': msg.id,
      'webhook-timestamp': String(timestampSec),
      'webhook-signature': signed.headers['webhook-signature']!,
    };
    for (const secret of [a!, b!]) expect(() => new Webhook(secret).verify(json, headers)).not.toThrow();
    // The cached signer gives the same answer on the next attempt.
    expect(signDelivery(signing, { ...msg, timestampSec }).headers).toEqual(signed.headers);
  });

  it('signs hmac-sha256 with the first secret as sha256=<hex>', () => {
    const signing: SigningConfig = { scheme: 'hmac-sha256', header: 'X-Signature', secrets: ['new', 'old'] };
    const expected = createHmac('sha256', 'new').update(json).digest('hex');
    expect(signDelivery(signing, msg)).toEqual({
      headers: { 'X-Signature': `sha256=${expected}` },
      body: json,
    });
  });

  it('sends the first secret in a header', () => {
    const signing: SigningConfig = { scheme: 'header', header: 'sb-signing-secret', secrets: ['s1', 's0'] };
    expect(signDelivery(signing, msg)).toEqual({ headers: { 'sb-signing-secret': 's1' }, body: json });
  });
});

describe('signDelivery with body_field', () => {
  const signing: SigningConfig = { scheme: 'body_field', field: 'secret', secrets: ['tl "quoted" \\ s'] };
  const member = '"secret":"tl \\"quoted\\" \\\\ s",';

  it('inserts the secret right after the opening brace, every other byte unchanged', () => {
    const signed = signDelivery(signing, msg);
    expect(signed.headers).toEqual({});
    expect(signed.body.toString()).toBe(`{${member}${json.toString().slice(1)}`);
    expect(signed.body.toString()).toContain('"n": 12345678901234567890123,');
    expect(JSON.parse(signed.body.toString()).secret).toBe('tl "quoted" \\ s');
  });

  it('handles empty objects, leading whitespace and a charset parameter', () => {
    const sign = (body: string, contentType = 'application/json; charset=utf-8') =>
      signDelivery(signing, { ...msg, body: Buffer.from(body), contentType }).body.toString();
    expect(sign('{}')).toBe('{"secret":"tl \\"quoted\\" \\\\ s"}');
    expect(sign(' { \n}')).toBe(' {"secret":"tl \\"quoted\\" \\\\ s" \n}');
    expect(sign('\n{"a":1}')).toBe(`\n{${member}"a":1}`);
    expect(JSON.parse(sign(' { \n}'))).toEqual({ secret: 'tl "quoted" \\ s' });
  });

  it('appends the secret URL-encoded to a form body', () => {
    const form = (body: string) =>
      signDelivery(signing, {
        ...msg,
        body: Buffer.from(body),
        contentType: 'application/x-www-form-urlencoded',
      }).body.toString();
    expect(form('from=%2B1999&text=hi+there')).toBe(
      'from=%2B1999&text=hi+there&secret=tl+%22quoted%22+%5C+s',
    );
    expect(form('')).toBe('secret=tl+%22quoted%22+%5C+s');
    expect(new URLSearchParams(form('a=1')).get('secret')).toBe('tl "quoted" \\ s');
  });

  it('sends other bodies unchanged', () => {
    for (const [body, contentType] of [
      ['[1,2]', 'application/json'],
      ['{"looks":"like json"}', 'text/plain'],
      ['<xml/>', 'application/xml'],
    ] as const) {
      const signed = signDelivery(signing, { ...msg, body: Buffer.from(body), contentType });
      expect(signed.body.toString()).toBe(body);
    }
  });
});

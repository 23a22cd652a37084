import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { VerifyConfig } from '../../src/config/schema.ts';
import { verifyInbound } from '../../src/ingest/verify.ts';

const now = 1_700_000_000_000;

// Payloads as the seeds' providers send them.
const sendblue = Buffer.from(
  '{"content":"Hello!","is_outbound":false,"status":"RECEIVED","message_handle":"xxxxxxxx-xxxx",' +
    '"from_number":"+19998887777","number":"+19998887777","to_number":"+15122164639","was_downgraded":false}',
);
const textlink = Buffer.from(
  '{"secret":"tl-secret","phone_number":"+381637777777","text":"Hi","textlink_id":12345678901234567890123}',
);
const mobiniti = Buffer.from(
  '{"id":"f82e541a-a4b1-11e8-a85f-127fd0971098","phone_number":"+19999999999","message":"This is an example message"}',
);

function request(
  body: Buffer,
  headers: IncomingHttpHeaders = {},
  query = '',
  contentType: string | undefined = 'application/json',
) {
  return { headers, query: new URLSearchParams(query), body, contentType };
}

const missing = { ok: false, reason: 'missing' };
const mismatch = { ok: false, reason: 'mismatch' };
const malformed = { ok: false, reason: 'malformed' };

describe('verifyInbound', () => {
  it('accepts everything when the source has no verify block', () => {
    expect(verifyInbound(undefined, request(sendblue), now)).toEqual({ ok: true, body: sendblue });
  });

  describe('header (SendBlue)', () => {
    const verify: VerifyConfig = { scheme: 'header', header: 'sb-signing-secret', secrets: ['new', 'old'] };
    const check = (headers: IncomingHttpHeaders) => verifyInbound(verify, request(sendblue, headers), now);

    it('accepts either secret and keeps the body', () => {
      expect(check({ 'sb-signing-secret': 'new' })).toEqual({ ok: true, body: sendblue });
      expect(check({ 'sb-signing-secret': 'old' })).toEqual({ ok: true, body: sendblue });
    });

    it('refuses a wrong, missing, empty or repeated header', () => {
      expect(check({ 'sb-signing-secret': 'newer' })).toEqual(mismatch);
      expect(check({ 'sb-signing-secret': 'new, new' })).toEqual(mismatch);
      expect(check({ 'sb-signing-secret': ['new', 'new'] })).toEqual(mismatch);
      expect(check({})).toEqual(missing);
      expect(check({ 'sb-signing-secret': '' })).toEqual(missing);
    });
  });

  describe('body_field (TextLink)', () => {
    const verify: VerifyConfig = { scheme: 'body_field', field: 'secret', secrets: ['other', 'tl-secret'] };

    it('accepts the second secret and stores the body without it, byte-exact', () => {
      expect(verifyInbound(verify, request(textlink), now)).toEqual({
        ok: true,
        body: Buffer.from(
          '{"phone_number":"+381637777777","text":"Hi","textlink_id":12345678901234567890123}',
        ),
      });
    });

    it('reads form bodies by their content type', () => {
      const form = Buffer.from('phone_number=%2B381637777777&secret=tl-secret&text=Hi');
      const result = verifyInbound(verify, request(form, {}, '', 'application/x-www-form-urlencoded'), now);
      expect(result).toEqual({ ok: true, body: Buffer.from('phone_number=%2B381637777777&text=Hi') });
    });

    it('refuses a wrong, non-string, repeated or missing secret', () => {
      const check = (body: string) => verifyInbound(verify, request(Buffer.from(body)), now);
      expect(check('{"secret":"tl-secreT","text":"Hi"}')).toEqual(mismatch);
      expect(check('{"secret":["tl-secret"]}')).toEqual(mismatch);
      expect(check('{"secret":"tl-secret","secret":"tl-secret"}')).toEqual(mismatch);
      expect(check('{"text":"Hi","data":{"secret":"tl-secret"}}')).toEqual(missing);
      expect(check('not json')).toEqual(missing);
    });
  });

  describe('standard-webhooks', () => {
    const [a, b] = [randomBytes(24), randomBytes(32)].map((k) => `whsec_${k.toString('base64')}`);
    const verify: VerifyConfig = { scheme: 'standard-webhooks', secrets: [a!, b!] };
    const body = Buffer.from('{"type":"order.paid","amount":12345678901234567890123}');
    const id = 'msg_2LhN2b3vhpC0uQa4xYoUe6tb8Nx';
    const signedBy = (secret: string, at = now) => ({
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, new Date(at), body),
    });

    it('accepts a request signed by the package with the second secret', () => {
      expect(verifyInbound(verify, request(body, signedBy(b!)), now)).toEqual({ ok: true, body });
    });

    it('refuses a tampered body, another secret, a stale or future timestamp', () => {
      const headers = signedBy(a!);
      expect(verifyInbound(verify, request(Buffer.from(`${body} `), headers), now)).toEqual(mismatch);
      const stranger = `whsec_${randomBytes(24).toString('base64')}`;
      expect(verifyInbound(verify, request(body, signedBy(stranger)), now)).toEqual(mismatch);
      const expired = { ok: false, reason: 'expired' };
      expect(verifyInbound(verify, request(body, signedBy(a!, now - 6 * 60_000)), now)).toEqual(expired);
      expect(verifyInbound(verify, request(body, signedBy(a!, now + 6 * 60_000)), now)).toEqual(expired);
    });

    it('reports missing headers, and repeated ones as a mismatch', () => {
      const { 'webhook-signature': _, ...unsigned } = signedBy(a!);
      expect(verifyInbound(verify, request(body, unsigned), now)).toEqual(missing);
      const repeated = { ...signedBy(a!), 'webhook-id': [id, id] };
      expect(verifyInbound(verify, request(body, repeated), now)).toEqual(mismatch);
    });
  });

  describe('hmac-sha256', () => {
    const verify: VerifyConfig = {
      scheme: 'hmac-sha256',
      header: 'x-signature',
      secrets: ['k-new', 'k-old'],
    };
    const hex = (key: string, body: Buffer) => createHmac('sha256', key).update(body).digest('hex');
    const check = (signature: string | undefined, body = sendblue) =>
      verifyInbound(verify, request(body, signature === undefined ? {} : { 'x-signature': signature }), now);

    it('accepts the hex HMAC of either secret, with or without the sha256= prefix', () => {
      expect(check(`sha256=${hex('k-new', sendblue)}`)).toEqual({ ok: true, body: sendblue });
      expect(check(hex('k-old', sendblue))).toEqual({ ok: true, body: sendblue });
      expect(check(hex('k-old', sendblue).toUpperCase())).toEqual({ ok: true, body: sendblue });
    });

    it('refuses a tampered body, another key, junk and a missing header', () => {
      expect(check(`sha256=${hex('k-new', sendblue)}`, Buffer.from(`${sendblue}\n`))).toEqual(mismatch);
      expect(check(`sha256=${hex('k-other', sendblue)}`)).toEqual(mismatch);
      expect(check('sha256=xyz')).toEqual(malformed);
      expect(check(hex('k-new', sendblue).slice(2))).toEqual(malformed);
      expect(check(undefined)).toEqual(missing);
    });

    it('never treats an empty secret in the list (an unset rotation variable) as a key', () => {
      const rotating: VerifyConfig = { scheme: 'hmac-sha256', header: 'x-signature', secrets: ['k-new', ''] };
      const headers = { 'x-signature': hex('', sendblue) };
      expect(verifyInbound(rotating, request(sendblue, headers), now)).toEqual(mismatch);
    });
  });

  describe('bearer', () => {
    const verify: VerifyConfig = { scheme: 'bearer', secrets: ['tok-new', 'tok-old'] };
    const check = (authorization?: string) =>
      verifyInbound(verify, request(mobiniti, authorization === undefined ? {} : { authorization }), now);

    it('accepts either token', () => {
      expect(check('Bearer tok-new')).toEqual({ ok: true, body: mobiniti });
      expect(check('bearer tok-old')).toEqual({ ok: true, body: mobiniti });
    });

    it('refuses a wrong token, another scheme and no header', () => {
      expect(check('Bearer tok-newer')).toEqual(mismatch);
      expect(check('Basic dG9rLW5ldzo=')).toEqual(malformed);
      expect(check()).toEqual(missing);
    });
  });

  describe('query (Mobiniti)', () => {
    const verify: VerifyConfig = { scheme: 'query', param: 'token', secrets: ['m-new', 'm-old'] };
    const check = (query: string) => verifyInbound(verify, request(mobiniti, {}, query), now);

    it('accepts either token', () => {
      expect(check('token=m-new')).toEqual({ ok: true, body: mobiniti });
      expect(check('x=1&token=m-old')).toEqual({ ok: true, body: mobiniti });
    });

    it('refuses a wrong, repeated or missing token', () => {
      expect(check('token=m-ne')).toEqual(mismatch);
      expect(check('token=m-new&token=m-new')).toEqual(mismatch);
      expect(check('tok=m-new')).toEqual(missing);
      expect(check('token=')).toEqual(missing);
    });
  });
});

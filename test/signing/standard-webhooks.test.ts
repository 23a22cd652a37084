import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { decodeWhsec, signStandard, verifyStandard } from '../../src/signing/standard-webhooks.ts';

const secretA = `whsec_${randomBytes(24).toString('base64')}`;
const secretB = `whsec_${randomBytes(32).toString('base64')}`;
const body = Buffer.from('{"type":"message.received","data":{"n":12345678901234567890123}}');
const id = 'evt_01J9Z8Q4S6V2X3Y4Z5A6B7C8D9';

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

describe('decodeWhsec', () => {
  it('decodes with or without the whsec_ prefix', () => {
    const raw = randomBytes(24);
    expect(decodeWhsec(`whsec_${raw.toString('base64')}`).equals(raw)).toBe(true);
    expect(decodeWhsec(raw.toString('base64')).equals(raw)).toBe(true);
  });

  it('refuses what is not base64, and empty secrets', () => {
    expect(() => decodeWhsec('whsec_not base64!')).toThrow(/base64/);
    expect(() => decodeWhsec('whsec_abcde')).toThrow(/base64/);
    expect(() => decodeWhsec('whsec_')).toThrow();
    expect(() => decodeWhsec('')).toThrow();
  });
});

describe('signStandard interoperates with the standardwebhooks package', () => {
  it('produces a signature the package verifies', () => {
    const ts = nowSec();
    const signature = signStandard([decodeWhsec(secretA)], id, ts, body);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
    expect(new Webhook(secretA).verify(body, headers)).toEqual(JSON.parse(body.toString()));
  });

  it('signs with every key, so a receiver that knows only the second one accepts', () => {
    const ts = nowSec();
    const signature = signStandard([decodeWhsec(secretA), decodeWhsec(secretB)], id, ts, body);
    expect(signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
    expect(() => new Webhook(secretB).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(body, headers)).toThrow();
  });

  it('verifies what the package signed', () => {
    const now = Date.now();
    const signature = new Webhook(secretB).sign(id, new Date(now), body);
    const h = { id, timestamp: String(Math.floor(now / 1000)), signature };
    expect(verifyStandard([decodeWhsec(secretA), decodeWhsec(secretB)], h, body, now)).toEqual({
      ok: true,
      body,
    });
  });
});

describe('verifyStandard', () => {
  const keys = [decodeWhsec(secretA)];
  const now = 1_700_000_000_000;
  const ts = String(now / 1000);
  const signed = { id, timestamp: ts, signature: signStandard(keys, id, now / 1000, body) };

  it('rejects a tampered body, another id, or the wrong secret', () => {
    const tampered = Buffer.from(body.toString().replace('received', 'deleted'));
    expect(verifyStandard(keys, signed, tampered, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyStandard(keys, { ...signed, id: 'evt_other' }, body, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyStandard([decodeWhsec(secretB)], signed, body, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('enforces the five-minute tolerance both ways', () => {
    expect(verifyStandard(keys, signed, body, now + 5 * 60_000).ok).toBe(true);
    expect(verifyStandard(keys, signed, body, now + 5 * 60_000 + 1)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyStandard(keys, signed, body, now - 5 * 60_000 - 1)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('reports missing headers and malformed values', () => {
    expect(verifyStandard(keys, { id, timestamp: ts }, body, now)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyStandard(keys, {}, body, now)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyStandard(keys, { ...signed, timestamp: '17e8' }, body, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyStandard(keys, { ...signed, signature: 'v2,abc' }, body, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('skips entries of other versions and accepts any matching v1 entry', () => {
    const signature = `v1a,ZmFrZQ== v1,bm90IGl0 ${signed.signature}`;
    expect(verifyStandard(keys, { ...signed, signature }, body, now).ok).toBe(true);
  });
});

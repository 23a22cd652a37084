/**
 * Standard Webhooks (https://www.standardwebhooks.com): the scheme relay
 * verifies inbound and signs outbound with. The signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}` under HMAC-SHA256, sent as
 * space-separated `v1,<base64>` entries so a sender can sign with an old and a
 * new secret while rotating.
 */
import { RelayError } from '../errors.ts';
import { hmacSha256, safeEqual } from './hmac.ts';

/** The outcome of every inbound verification; `body` is what ingest stores. */
export type VerifyResult =
  | { ok: true; body: Buffer }
  | { ok: false; reason: 'missing' | 'mismatch' | 'expired' | 'malformed' };

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The raw HMAC key of a `whsec_<base64>` secret (the prefix is optional). */
export function decodeWhsec(secret: string): Buffer {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  // Buffer.from skips characters that are not base64, so a typo would quietly
  // yield a different key: validate first. The message never echoes the secret.
  const unpadded = encoded.replace(/=+$/, '');
  if (!BASE64.test(encoded) || unpadded.length % 4 === 1) {
    throw new RelayError('RELAY_ERR_CONFIG', 'a standard-webhooks secret must be whsec_ followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new RelayError('RELAY_ERR_CONFIG', 'a standard-webhooks secret is empty');
  return key;
}

const keyCache = new WeakMap<object, Buffer[]>();

/**
 * The decoded keys of a verify or signing config, decoded once per config
 * object (configs are frozen and replaced whole on reload). Empty secrets are
 * dropped: `${OLD_WHSEC:-}` leaves one in the list when no rotation is under way.
 */
export function standardKeys(config: { readonly secrets: readonly string[] }): Buffer[] {
  let keys = keyCache.get(config);
  if (keys === undefined) {
    keys = config.secrets.filter((s) => s !== '').map(decodeWhsec);
    keyCache.set(config, keys);
  }
  return keys;
}

function signOne(key: Buffer, id: string, timestamp: string, body: Buffer): string {
  return hmacSha256(key, `${id}.${timestamp}.`, body).toString('base64');
}

/** The `webhook-signature` value: one `v1,` entry per key. `timestampSec` must be an integer. */
export function signStandard(keys: Buffer[], id: string, timestampSec: number, body: Buffer): string {
  const timestamp = String(timestampSec);
  return keys.map((key) => `v1,${signOne(key, id, timestamp, body)}`).join(' ');
}

/** Accepts when any `v1` entry matches any key and the timestamp is within tolerance either way. */
export function verifyStandard(
  keys: Buffer[],
  h: { id?: string; timestamp?: string; signature?: string },
  body: Buffer,
  nowMs: number,
  toleranceMs = 5 * 60_000,
): VerifyResult {
  if (!h.id || !h.timestamp || !h.signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,15}$/.test(h.timestamp)) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowMs - Number(h.timestamp) * 1000) > toleranceMs) return { ok: false, reason: 'expired' };

  // Other versions (v1a is asymmetric) are skipped, as the spec asks.
  const given = h.signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  if (given.length === 0) return { ok: false, reason: 'malformed' };

  for (const key of keys) {
    const expected = signOne(key, h.id, h.timestamp, body);
    if (given.some((signature) => safeEqual(signature, expected))) return { ok: true, body };
  }
  return { ok: false, reason: 'mismatch' };
}

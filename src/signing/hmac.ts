import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of the concatenated parts; strings are taken as UTF-8. */
export function hmacSha256(key: Buffer | string, ...parts: (Buffer | string)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

// A per-process random key: an attacker can neither predict the digests nor
// learn anything from which of them collide.
const compareKey = randomBytes(32);

/**
 * Constant-time equality for secrets and signatures. `timingSafeEqual` throws
 * (and a length check returns early) on different lengths, which would leak
 * the secret's length; comparing fixed-size keyed digests of both sides does not.
 */
export function safeEqual(a: Buffer | string, b: Buffer | string): boolean {
  return timingSafeEqual(hmacSha256(compareKey, a), hmacSha256(compareKey, b));
}

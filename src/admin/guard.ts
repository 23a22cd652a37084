import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { RelayError } from '../errors.ts';
import { safeEqual } from '../signing/hmac.ts';

/** True when only this machine can reach an address bound to `host`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Who may use /admin/*. With `admin.token` set: a bearer that matches it
 * (compared in constant time). Without one: only an admin listener bound to
 * loopback is open, because there the operating system already limits
 * callers to this machine; on any other address /admin/* is off (403) while
 * /metrics and the health routes stay up.
 */
export function authorize(req: IncomingMessage, token: string | undefined, loopback: boolean): void {
  if (token === undefined) {
    if (loopback) return;
    throw new RelayError(
      'RELAY_ERR_FORBIDDEN',
      'the admin API is off: the admin listener is not on a loopback address and admin.token is not set',
    );
  }
  const presented = bearer(req.headers.authorization);
  if (presented === undefined || !safeEqual(presented, token)) {
    throw new RelayError(
      'RELAY_ERR_UNAUTHORIZED',
      presented === undefined
        ? 'missing bearer token (Authorization: Bearer <admin.token>)'
        : 'wrong bearer token',
    );
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

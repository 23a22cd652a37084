import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import type { AdminRole, RelayConfig } from '../config/schema.ts';
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

/** Who called, as the audit log names them, and what they may do. */
export interface Caller {
  name: string;
  role: AdminRole;
}

const rank: Record<AdminRole, number> = { read: 0, operate: 1, admin: 2 };

/**
 * Who is calling /admin/*. With tokens configured (`admin.token`, which has
 * every right and is named `admin`, and `admin.tokens`, each with a role): a
 * bearer that matches one, compared in constant time against every token so
 * timing never tells which came close. Without any: only an admin listener
 * bound to loopback is open, because there the operating system already
 * limits callers to this machine; on any other address /admin/* is off (403)
 * while /metrics and the health routes stay up.
 */
export function authenticate(req: IncomingMessage, admin: RelayConfig['admin'], loopback: boolean): Caller {
  const tokens = [
    ...(admin.token === undefined ? [] : [{ name: 'admin', token: admin.token, role: 'admin' as const }]),
    ...admin.tokens,
  ];
  if (tokens.length === 0) {
    if (loopback) return { name: 'loopback', role: 'admin' };
    throw new RelayError(
      'RELAY_ERR_FORBIDDEN',
      'the admin API is off: the admin listener is not on a loopback address and admin.token is not set',
    );
  }
  const presented = bearer(req.headers.authorization);
  if (presented === undefined) {
    throw new RelayError(
      'RELAY_ERR_UNAUTHORIZED',
      'missing bearer token (Authorization: Bearer <admin.token>)',
    );
  }
  let caller: Caller | undefined;
  for (const token of tokens) {
    if (safeEqual(presented, token.token) && caller === undefined)
      caller = { name: token.name, role: token.role };
  }
  if (!caller) throw new RelayError('RELAY_ERR_UNAUTHORIZED', 'wrong bearer token');
  return caller;
}

/** A 403 unless the caller's role includes `needed`. */
export function requireRole(caller: Caller, needed: AdminRole): void {
  if (rank[caller.role] >= rank[needed]) return;
  throw new RelayError(
    'RELAY_ERR_FORBIDDEN',
    `token '${caller.name}' has the role ${caller.role}; this needs ${needed}`,
  );
}

function bearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

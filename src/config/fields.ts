import { isIP } from 'node:net';
import { z } from 'zod';
import type { Address, Problem } from './types.ts';
import { parseDuration, parseRate, parseSize } from './units.ts';

export type Ctx = z.core.$RefinementCtx;
export type PathSegment = Problem['path'][number];

export const NAME = /^[a-z0-9][a-z0-9_-]*$/i;
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const FIELD_PATH = /^[^.]+(\.[^.]+)*$/;
export const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/;
export const WHSEC = /^(?:whsec_)?[A-Za-z0-9+/]+={0,2}$/;
export const DEFAULT_SCHEDULE = ['5s', '30s', '2m', '10m', '30m', '1h', '2h', '4h', '8h', '12h'];

// A schema-level message wins over the parse-wide map in problems.ts; passing on a
// missing value lets that map say "required" instead.
export const unlessMissing = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? undefined : message;

export function parsedString<T>(parse: (s: string) => T, message: string) {
  return z.string({ error: unlessMissing(message) }).transform((s, ctx) => {
    try {
      return parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
  });
}

export function parseAddress(s: string): Address {
  const match = ADDRESS.exec(s);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) throw new RangeError(`invalid address "${s}"`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function isHttpUrl(s: string): boolean {
  const url = URL.parse(s);
  return (url?.protocol === 'http:' || url?.protocol === 'https:') && url.hostname !== '';
}

export const duration = parsedString(parseDuration, 'must be a duration like 500ms, 5s, 2m, 1h, 3d');
export const positiveDuration = duration.refine((ms) => ms > 0, { error: 'must be longer than 0' });
export const size = parsedString(parseSize, 'must be a size like 64KiB or 1MiB');
export const rate = parsedString(parseRate, 'must be a rate like 50/s or 600/m');
export const address = parsedString(parseAddress, 'must be host:port, like 0.0.0.0:8080 or [::1]:9090');
export const POSITIVE = 'must be a positive integer';
export const positiveInt = z.int({ error: unlessMissing(POSITIVE) }).min(1, { error: POSITIVE });
export const STATUS = 'must be an HTTP status from 100 to 599';
export const status = z
  .int({ error: unlessMissing(STATUS) })
  .min(100, { error: STATUS })
  .max(599, { error: STATUS });
export const JITTER = 'must be a number from 0 up to (not including) 1';
export const jitter = z
  .number({ error: unlessMissing(JITTER) })
  .min(0, { error: JITTER })
  .lt(1, { error: JITTER });
export const text = z.string().min(1, { error: 'must not be empty' });

/** An IPv4 or IPv6 network as address/prefix: 10.0.0.0/8, fd00::/8, 127.0.0.1/32. */
export const cidr = z.string().refine(
  (value) => {
    const [address = '', prefix, extra] = value.split('/');
    const family = isIP(address);
    const bits = Number(prefix);
    return (
      extra === undefined && family !== 0 && /^\d+$/.test(prefix ?? '') && bits <= (family === 4 ? 32 : 128)
    );
  },
  { error: 'must be a network like 10.0.0.0/8 or fd00::/8' },
);
export const fieldPath = z.string().regex(FIELD_PATH, { error: 'must be a field path like data.status' });
export const headerName = z.string().regex(HEADER_NAME, { error: 'must be an HTTP header name' });
export const lowerHeader = headerName.transform((h) => h.toLowerCase());
export const headers = z.record(
  headerName,
  z.string().refine((v) => !/[\r\n\0]/.test(v), { error: 'must not contain line breaks' }),
);
export const statusList = z.array(status).min(1);
export const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: unlessMissing('must be a string, number, true, false or null'),
});
export const names = (what: string) =>
  z.union([z.literal('*'), z.array(text).min(1)], {
    error: unlessMissing(`must be a list of ${what} or "*"`),
  });
export const nameKey = z.string().regex(NAME, {
  error: 'names use letters, digits, _ and -, and start with a letter or digit',
});

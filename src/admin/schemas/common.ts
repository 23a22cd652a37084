import { z } from 'zod';
import { sinceTime } from '../body.ts';

/** A non-empty string, worded as the config words it. */
export const text = z.string().min(1, { error: 'must not be empty' });

/** A time in an answer: ISO 8601 UTC, as `Date.toISOString` writes it. */
export const isoTime = z.iso.datetime();
export const isoTimeOrNull = isoTime.nullable();

/** `since` in a body: `2h`, `30m`, `7d`, or an ISO time (`2026-01-01T12:00:00Z`). */
export const since = z.string().refine((value) => sinceTime(value, 0) !== undefined, {
  error: 'must be a duration such as 2h or 30m, or an ISO time',
});

/** A cap in a body: a whole number from 1 to `max`. */
export function limit(max: number) {
  const error = `must be a whole number from 1 to ${max}`;
  return z.int({ error }).min(1, { error }).max(max, { error });
}

/** relay's error answer: `{"error":{"code","message","problems"?}}`. */
export const relayErrorAnswer = z.object({
  error: z.object({
    code: z.string().regex(/^RELAY_ERR_[A-Z_]+$/),
    message: z.string(),
    /** Each thing wrong with the request body, as `path: reason`. */
    problems: z.array(z.string()).optional(),
  }),
});

/** The webhooks API answers errors in SendBlue's shape, which its users' code reads. */
export const sendBlueErrorAnswer = z.object({ status: z.literal('ERROR'), message: z.string() });

/** `GET /admin/whoami`: the bearer's token name and role. */
export const whoamiAnswer = z.object({ name: z.string(), role: z.enum(['read', 'operate', 'admin']) });

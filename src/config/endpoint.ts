import { z } from 'zod';
import { emailSchema } from './email.ts';
import {
  DEFAULT_SCHEDULE,
  duration,
  fieldPath,
  headers,
  isHttpUrl,
  jitter,
  lowerHeader,
  positiveDuration,
  positiveInt,
  rate,
  statusList,
} from './fields.ts';
import { keyRule } from './key-rule.ts';
import { signingSchema } from './secrets.ts';
import type { KeyRule, SchemaContext } from './types.ts';

/** `ordering: { key: message_handle }` (a field path) or `{ header: X-Key }`. */
const ordering = z
  .strictObject({ key: fieldPath.optional(), header: lowerHeader.optional() })
  .transform((r, ctx): KeyRule => {
    const rule = keyRule({
      ...(r.key === undefined ? {} : { field: r.key }),
      ...(r.header === undefined ? {} : { header: r.header }),
    });
    if (rule) return rule;
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of key, header' });
    return z.NEVER;
  });

const retryFields = { schedule: z.array(duration), jitter, max_age: positiveDuration };

/** Keys that shape an HTTP request, meaningless for a mail. */
const HTTP_ONLY = ['signing', 'headers', 'success'] as const;

/** A webhook (`url`) or an e-mail endpoint (`email`): one of the two. */
export function endpointSchema(context: SchemaContext) {
  return z
    .strictObject({
      url: z.string().refine(isHttpUrl, { error: 'must be an absolute http(s) URL' }).optional(),
      email: emailSchema(context).optional(),
      timeout: positiveDuration.optional(),
      concurrency: positiveInt.optional(),
      rate_limit: rate.optional(),
      retry: z.strictObject(retryFields).partial().optional(),
      signing: signingSchema(context).optional(),
      headers: headers.optional(),
      success: statusList.optional(),
      on_gone: z.enum(['disable', 'remove']).optional(),
      ordering: ordering.optional(),
    })
    .superRefine((e, ctx) => {
      if (e.url === undefined && e.email === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'required (or email, for an e-mail endpoint)',
        });
      }
      if (e.email === undefined) return;
      if (e.url !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'give either url or email, not both' });
      }
      for (const key of HTTP_ONLY) {
        if (e[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'does not apply to an e-mail endpoint' });
        }
      }
    });
}

export function defaultsSchema(context: SchemaContext) {
  return z
    .strictObject({
      timeout: positiveDuration.prefault('10s'),
      concurrency: positiveInt.prefault(8),
      retry: z
        .strictObject({
          schedule: retryFields.schedule.prefault(DEFAULT_SCHEDULE),
          jitter: retryFields.jitter.prefault(0.2),
          max_age: retryFields.max_age.prefault('3d'),
        })
        .prefault({}),
      signing: signingSchema(context).optional(),
      headers: headers.optional(),
      success: statusList.optional(),
    })
    .prefault({});
}

/** Endpoint headers win over `defaults.headers`, whatever the case of either name. */
export function mergeHeaders(base: Record<string, string> = {}, own: Record<string, string> = {}) {
  const ownNames = new Set(Object.keys(own).map((h) => h.toLowerCase()));
  const inherited = Object.entries(base).filter(([h]) => !ownNames.has(h.toLowerCase()));
  return { ...Object.fromEntries(inherited), ...own };
}

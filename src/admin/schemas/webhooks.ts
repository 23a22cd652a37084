import { z } from 'zod';
import { text } from './common.ts';

/** SendBlue's own sentence for a body without a usable list. */
export const MISSING = 'Missing or invalid webhooks array';
const MAX_URL = 2_048;
const TYPE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TYPE_RULE = 'Invalid webhook type: use letters, digits, ".", "_" and "-"';

const url = z.string({ error: MISSING }).max(MAX_URL, {
  error: `Invalid webhook URL: longer than ${MAX_URL} characters`,
});
const secret = z.string({ error: 'Invalid webhook secret: must be a non-empty string' }).min(1, {
  error: 'Invalid webhook secret: must be a non-empty string',
});

/** A URL, or a URL with its own secret (else `globalSecret` applies). */
const webhook = z.union([url, z.strictObject({ url, secret: secret.optional() })], { error: MISSING });
const webhookList = z.array(webhook, { error: MISSING }).min(1, { error: MISSING });
/** A relay event type (`receive` unless said). */
const type = z.string().regex(TYPE, { error: TYPE_RULE });
const globalSecret = text.optional();

/** `POST /admin/webhooks`: append to one type. */
export const appendBody = z.strictObject({ webhooks: webhookList, type: type.optional(), globalSecret });

/** `PUT /admin/webhooks`: every type's list, replacing them all. */
export const replaceBody = z.strictObject({
  webhooks: z
    .object({ globalSecret }, { error: MISSING })
    .catchall(webhookList)
    .superRefine((byType, ctx) => {
      for (const key of Object.keys(byType)) {
        if (key !== 'globalSecret' && !TYPE.test(key))
          ctx.addIssue({ code: 'custom', path: [key], message: TYPE_RULE });
      }
    }),
});

/** `DELETE /admin/webhooks`: remove these URLs of one type. */
export const deleteBody = z.strictObject({
  webhooks: z
    .array(z.union([url, z.object({ url })], { error: MISSING }), { error: MISSING })
    .min(1, { error: MISSING }),
  type: type.optional(),
});

/** `{"status":"OK","webhooks":{"receive":["https://a", {"url":"https://b","secret":"***"}], "globalSecret":"***"}}` */
export const webhooksAnswer = z.object({
  status: z.literal('OK'),
  webhooks: z
    .object({ globalSecret: z.literal('***').optional() })
    .catchall(z.array(z.union([z.string(), z.object({ url: z.string(), secret: z.literal('***') })]))),
});

export type WebhooksAnswer = z.infer<typeof webhooksAnswer>;

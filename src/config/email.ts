import { z } from 'zod';
import { toError } from '../errors.ts';
import { type Ctx, text, unlessMissing } from './fields.ts';
import type { EmailConfig, SchemaContext } from './types.ts';

const ADDRESS = 'must be an e-mail address like oncall@example.com';
const address = z.email({ error: ADDRESS });
const SMTP_URL = 'must be an smtp:// or smtps:// URL with a host, like smtp://user:pass@smtp.example.com:587';

export function isSmtpUrl(s: string): boolean {
  const url = URL.parse(s);
  return (url?.protocol === 'smtp:' || url?.protocol === 'smtps:') && url.hostname !== '';
}

/**
 * `smtp` carries the credentials, so it may come from `smtp_file` or `${ENV}`
 * like any secret, and no problem text ever quotes it.
 */
function smtpOf(
  input: { smtp?: string | undefined; smtp_file?: string | undefined },
  context: SchemaContext,
  ctx: Ctx,
) {
  const fail = (path: string, message: string): string => {
    ctx.addIssue({ code: 'custom', path: [path], message });
    return '';
  };
  if (input.smtp !== undefined && input.smtp_file !== undefined) {
    return fail('smtp', 'give either smtp or smtp_file, not both');
  }
  if (input.smtp_file !== undefined) {
    let smtp: string;
    try {
      smtp = context.readSecretFile(input.smtp_file);
    } catch (err) {
      return fail('smtp_file', toError(err).message);
    }
    return isSmtpUrl(smtp) ? smtp : fail('smtp_file', `the file's content ${SMTP_URL}`);
  }
  if (input.smtp === undefined) return fail('smtp', 'required');
  return isSmtpUrl(input.smtp) ? input.smtp : fail('smtp', SMTP_URL);
}

/** `endpoints.<name>.email`: the SMTP server and the envelope of every mail the endpoint sends. */
export function emailSchema(context: SchemaContext) {
  return z
    .strictObject({
      smtp: z.string().optional(),
      smtp_file: text.optional(),
      from: address,
      to: z.union([address.transform((one) => [one]), z.array(address).min(1)], {
        error: unlessMissing('must be an e-mail address or a list of them'),
      }),
      tls: z.enum(['required', 'when_offered']).prefault('when_offered'),
    })
    .transform(
      (e, ctx): EmailConfig => ({ smtp: smtpOf(e, context, ctx), from: e.from, to: e.to, tls: e.tls }),
    );
}

/** The endpoint's `url` as shown and logged: where its mails go, never how they get there. */
export function mailtoUrl(email: EmailConfig): string {
  return `mailto:${email.to.join(',')}`;
}

import { z } from 'zod';
import { lowerHeader, nameKey, text } from './fields.ts';
import { adminRoles } from './types.ts';

/** Token names identify who made a change in the audit log: each names one token. */
function uniqueTokenNames(tokens: { name: string }[], ctx: z.core.$RefinementCtx): void {
  const seen = new Set<string>();
  tokens.forEach((token, i) => {
    if (seen.has(token.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate token name '${token.name}'` });
    seen.add(token.name);
  });
}

export const adminSection = z
  .strictObject({
    token: z.string().optional(),
    tokens: z
      .array(
        z.strictObject({
          name: nameKey,
          token: text,
          role: z.enum(adminRoles),
        }),
      )
      .superRefine(uniqueTokenNames)
      .prefault([]),
    require_reason: z.boolean().prefault(false),
    webhooks: z.strictObject({ secret_header: lowerHeader.prefault('sb-signing-secret') }).prefault({}),
  })
  .prefault({});

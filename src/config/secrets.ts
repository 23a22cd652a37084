import { z } from 'zod';
import { toError } from '../errors.ts';
import {
  type Ctx,
  fieldPath,
  headerName,
  lowerHeader,
  type PathSegment,
  text,
  unlessMissing,
  WHSEC,
} from './fields.ts';
import type { SchemaContext, SigningConfig, VerifyConfig } from './types.ts';

export const secretFields = {
  secret: z
    .union([z.string(), z.array(z.string())], {
      error: unlessMissing('must be a string or a list of strings'),
    })
    .optional(),
  secret_file: text.optional(),
};
export type SecretInput = { secret?: string | string[] | undefined; secret_file?: string | undefined };

/**
 * The secrets of one verify or signing block, empties dropped (an unset
 * `${OLD:-}` in a rotation list is normal). Problem texts never quote a secret.
 */
export function secretsOf(input: SecretInput, context: SchemaContext, ctx: Ctx, standard: boolean): string[] {
  const fail = (path: PathSegment[], message: string): string[] => {
    ctx.addIssue({ code: 'custom', path, message });
    return [];
  };
  if (input.secret !== undefined && input.secret_file !== undefined) {
    return fail([], 'give either secret or secret_file, not both');
  }
  let given: [PathSegment[], string][];
  if (input.secret_file !== undefined) {
    try {
      given = [[['secret_file'], context.readSecretFile(input.secret_file)]];
    } catch (err) {
      return fail(['secret_file'], toError(err).message);
    }
    if (given[0]?.[1] === '') return fail(['secret_file'], 'no secret given (the file is empty)');
  } else if (input.secret === undefined) {
    return fail(['secret'], 'required');
  } else {
    const list = typeof input.secret === 'string' ? [input.secret] : input.secret;
    given = list.map((s, i): [PathSegment[], string] => [
      typeof input.secret === 'string' ? ['secret'] : ['secret', i],
      s,
    ]);
    given = given.filter(([, s]) => s !== '');
    if (given.length === 0) return fail(['secret'], 'no secret given (all values are empty)');
  }
  if (standard) {
    for (const [path, s] of given) {
      const base64 = s.replace(/^whsec_/, '');
      if (!WHSEC.test(s) || base64.length % 4 !== 0) fail(path, 'must be whsec_ followed by base64');
    }
  }
  return given.map(([, s]) => s);
}

// `{ header: H, secret }` and `{ body_field: F, secret }` name their scheme by their key.
export function impliedScheme(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || 'scheme' in input) return input;
  if ('header' in input) return { scheme: 'header', ...input };
  if ('body_field' in input) return { scheme: 'body_field', ...input };
  return input;
}

export function verifySchema(context: SchemaContext) {
  const forms = z.discriminatedUnion('scheme', [
    z.strictObject({ scheme: z.literal('header').optional(), header: lowerHeader, ...secretFields }),
    z.strictObject({ scheme: z.literal('body_field').optional(), body_field: fieldPath, ...secretFields }),
    z.strictObject({ scheme: z.literal('standard-webhooks'), ...secretFields }),
    z.strictObject({ scheme: z.literal('hmac-sha256'), header: lowerHeader, ...secretFields }),
    z.strictObject({ scheme: z.literal('bearer'), ...secretFields }),
    z.strictObject({ scheme: z.literal('query'), param: text, ...secretFields }),
  ]);
  return z.preprocess(impliedScheme, forms).transform((v, ctx): VerifyConfig => {
    const secrets = secretsOf(v, context, ctx, v.scheme === 'standard-webhooks');
    if ('body_field' in v) return { scheme: 'body_field', field: v.body_field, secrets };
    if (v.scheme === 'hmac-sha256') return { scheme: v.scheme, header: v.header, secrets };
    if (v.scheme === 'query') return { scheme: v.scheme, param: v.param, secrets };
    if (v.scheme === 'standard-webhooks' || v.scheme === 'bearer') return { scheme: v.scheme, secrets };
    return { scheme: 'header', header: v.header, secrets };
  });
}

export function signingSchema(context: SchemaContext) {
  const forms = z.discriminatedUnion('scheme', [
    z.strictObject({ scheme: z.literal('standard-webhooks'), ...secretFields }),
    z.strictObject({ scheme: z.literal('hmac-sha256'), header: headerName, ...secretFields }),
    z.strictObject({ scheme: z.literal('header'), header: headerName, ...secretFields }),
    z.strictObject({ scheme: z.literal('body_field'), field: fieldPath, ...secretFields }),
  ]);
  return forms.transform((v, ctx): SigningConfig => {
    const secrets = secretsOf(v, context, ctx, v.scheme === 'standard-webhooks');
    if (v.scheme === 'body_field') return { scheme: v.scheme, field: v.field, secrets };
    if (v.scheme === 'standard-webhooks') return { scheme: v.scheme, secrets };
    return { scheme: v.scheme, header: v.header, secrets };
  });
}

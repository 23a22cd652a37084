import { z } from 'zod';
import { fieldPath, lowerHeader, nameKey, status, text, unlessMissing } from './fields.ts';
import { keyFields, keyRule } from './key-rule.ts';
import { expandPreset } from './presets/expand.ts';
import { PRESET_NAMES } from './presets/index.ts';
import { secretFields, verifySchema } from './secrets.ts';
import type { FieldTypeRule, IdRule, KeyRule, SchemaContext, TypeRule } from './types.ts';

const typeRule = z.union(
  [
    text.transform((value): TypeRule => ({ kind: 'constant', value })),
    z
      .strictObject({
        from: z.literal('path').optional(),
        field: fieldPath.optional(),
        map: z.record(z.string(), z.string()).optional(),
        default: z.string().optional(),
        header: lowerHeader.optional(),
      })
      .transform((t, ctx): TypeRule => {
        const pathThenField = t.from !== undefined && t.field !== undefined && t.header === undefined;
        if ([t.from, t.field, t.header].filter((v) => v !== undefined).length !== 1 && !pathThenField) {
          ctx.addIssue({ code: 'custom', message: 'needs exactly one of from, field, header' });
          return z.NEVER;
        }
        if (t.field !== undefined) {
          const field: FieldTypeRule = {
            kind: 'field',
            field: t.field,
            map: t.map ?? {},
            default: t.default,
          };
          return pathThenField ? { kind: 'path', fallback: field } : field;
        }
        for (const key of ['map', 'default'] as const) {
          if (t[key] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [key], message: 'only goes with field' });
          }
        }
        return t.header === undefined
          ? { kind: 'path', fallback: undefined }
          : { kind: 'header', header: t.header };
      }),
  ],
  { error: 'must be a type name, { from: path }, { field: ... } or { header: ... }' },
);

const typeKeyRule = z.strictObject(keyFields).transform((r, ctx): KeyRule => {
  const rule = keyRule(r);
  if (rule) return rule;
  ctx.addIssue({ code: 'custom', message: 'needs exactly one of field, fields, header' });
  return z.NEVER;
});

const idRule = z
  .strictObject({ ...keyFields, by_type: z.record(text, typeKeyRule).optional() })
  .transform((r, ctx): IdRule => {
    const { by_type, ...plain } = r;
    const plainGiven = Object.values(plain).some((v) => v !== undefined);
    if (by_type !== undefined && !plainGiven) return { kind: 'by_type', rules: by_type };
    const rule = by_type === undefined ? keyRule(plain) : undefined;
    if (rule) return rule;
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of field, fields, header, by_type' });
    return z.NEVER;
  });

export const sourceName = nameKey.refine((n) => n !== 'relay', {
  error: "the name relay is reserved for relay's own events",
});

const sample = z.strictObject({
  type: text,
  body: z.string(),
  content_type: text.prefault('application/json'),
});

/**
 * A source as written; a `preset` is expanded first, so what follows checks
 * the preset's keys like any others. `secret` is the provider's secret the
 * preset puts into its `verify`; left over, it would be silently unused.
 */
export function sourceSchema(context: SchemaContext) {
  const source = z.strictObject({
    preset: z.enum(PRESET_NAMES).optional(),
    ...secretFields,
    verify: verifySchema(context).optional(),
    type: typeRule.optional(),
    id: idRule.optional(),
    response: z
      .strictObject({
        status: status.prefault(200),
        body: z.string().optional(),
        content_type: text.optional(),
      })
      .transform((r) => ({ status: r.status, body: r.body, content_type: r.content_type }))
      .optional(),
    accept: z
      .array(text.transform((t) => t.toLowerCase()))
      .min(1)
      .optional(),
    sample: z
      .union([sample.transform((one) => [one]), z.array(sample).min(1)], {
        error: unlessMissing('must be a { type, body } mapping or a list of them'),
      })
      .optional(),
  });
  return z.preprocess(
    expandPreset,
    source.superRefine((s, ctx) => {
      for (const key of ['secret', 'secret_file'] as const) {
        if (s[key] === undefined) continue;
        const message = s.preset
          ? 'not used: verify is written out, so the secret goes inside it'
          : 'only goes with preset';
        ctx.addIssue({ code: 'custom', path: [key], message });
      }
    }),
  );
}

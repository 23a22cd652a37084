import { z } from 'zod';
import { fieldPath, names, positiveDuration, positiveInt, scalar, text } from './fields.ts';
import type { FilterCondition } from './types.ts';

const condition = z.union(
  [
    scalar.transform((value): FilterCondition => ({ op: 'eq', value })),
    z
      .strictObject({
        in: z.array(scalar).optional(),
        not: scalar.optional(),
        exists: z.boolean().optional(),
        prefix: z.string().optional(),
      })
      .transform((c, ctx): FilterCondition => {
        const ops = Object.keys(c).filter((k) => c[k as keyof typeof c] !== undefined);
        if (ops.length !== 1) {
          ctx.addIssue({ code: 'custom', message: 'needs exactly one of in, not, exists, prefix' });
        }
        if (c.in !== undefined) return { op: 'in', values: c.in };
        if (c.exists !== undefined) return { op: 'exists', value: c.exists };
        if (c.prefix !== undefined) return { op: 'prefix', value: c.prefix };
        return { op: 'not', value: c.not ?? null };
      }),
  ],
  { error: 'must be a value, { in: [...] }, { not: x }, { exists: true } or { prefix: "..." }' },
);

const threshold = z.strictObject({
  key: fieldPath,
  count: positiveInt,
  within: positiveDuration,
  once: z.boolean().prefault(false),
});

export const route = z.strictObject({
  name: text.optional(),
  from: names('source names'),
  types: names('event types').prefault('*'),
  filter: z.record(fieldPath, condition).optional(),
  to: z.array(text).min(1),
  threshold: threshold.optional(),
});

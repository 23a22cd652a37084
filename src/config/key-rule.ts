import { z } from 'zod';
import { fieldPath, lowerHeader } from './fields.ts';
import type { KeyRule } from './types.ts';

/** A source's event id and an endpoint's ordering key are named alike: one field, several, or a header. */
export const keyFields = {
  field: fieldPath.optional(),
  fields: z.array(fieldPath).min(1).optional(),
  header: lowerHeader.optional(),
};

export function keyRule(r: { field?: string; fields?: string[]; header?: string }): KeyRule | undefined {
  const given = [r.field, r.fields, r.header].filter((v) => v !== undefined).length;
  if (given === 1 && r.header !== undefined) return { kind: 'header', header: r.header };
  if (given === 1 && r.field !== undefined) return { kind: 'fields', fields: [r.field] };
  if (given === 1 && r.fields !== undefined) return { kind: 'fields', fields: r.fields };
  return undefined;
}

import type { IncomingHttpHeaders } from 'node:http';
import type { IdRule, KeyRule, TypeRule } from '../config/schema.ts';
import { valueAt } from '../routing/field-path.ts';

export const UNKNOWN_TYPE = 'unknown';

export interface ExtractContext {
  /** The `<type>` segment of `/in/<source>/<type>`, if any. */
  pathType: string | undefined;
  payload: unknown;
  headers: IncomingHttpHeaders;
}

export interface ExtractedType {
  type: string;
  /** The source maps types and this value was not in the map (kept as it is). */
  unmapped: boolean;
}

export function extractType(rule: TypeRule, context: ExtractContext): ExtractedType {
  switch (rule.kind) {
    case 'path':
      if (context.pathType) return { type: context.pathType, unmapped: false };
      return rule.fallback ? extractType(rule.fallback, context) : { type: UNKNOWN_TYPE, unmapped: false };
    case 'constant':
      return { type: rule.value, unmapped: false };
    case 'header':
      return { type: singleHeader(context.headers[rule.header]) ?? UNKNOWN_TYPE, unmapped: false };
    case 'field': {
      const raw = scalarText(valueAt(context.payload, rule.field));
      if (raw === undefined) return { type: rule.default ?? UNKNOWN_TYPE, unmapped: false };
      if (Object.keys(rule.map).length === 0) return { type: raw, unmapped: false };
      const mapped = Object.hasOwn(rule.map, raw) ? rule.map[raw] : undefined;
      return mapped === undefined ? { type: raw, unmapped: true } : { type: mapped, unmapped: false };
    }
  }
}

/**
 * The idempotency key, or undefined when the request does not carry all of
 * its parts (such an event is simply never deduplicated).
 */
export function extractIdempotencyKey(
  rule: IdRule | undefined,
  type: string,
  context: ExtractContext,
): string | undefined {
  if (rule?.kind !== 'by_type') return rule && keyOf(rule, context);
  const own = Object.hasOwn(rule.rules, type) ? rule.rules[type] : undefined;
  const key = own && keyOf(own, context);
  // The type is part of the key: one contact's events of two types never collide.
  return key === undefined ? undefined : JSON.stringify([type, key]);
}

/** The value a key rule names in a request (a field path's value, fields joined, or a header), if any. */
export function keyOf(rule: KeyRule, context: ExtractContext): string | undefined {
  if (rule.kind === 'header') return singleHeader(context.headers[rule.header]) || undefined;
  const parts: string[] = [];
  for (const field of rule.fields) {
    const part = scalarText(valueAt(context.payload, field));
    if (part === undefined || part === '') return undefined;
    parts.push(part);
  }
  // JSON keeps ["a:b","c"] and ["a","b:c"] apart, unlike a plain join.
  return parts.length === 1 ? parts[0] : JSON.stringify(parts);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

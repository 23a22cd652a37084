import { type Document, isMap, isNode, isScalar, isSeq } from 'yaml';
import type { z } from 'zod';
import type { Problem } from './schema.ts';

/**
 * How the config's problems read: zod's issues worded as `path: reason`
 * lines (`routes[0].to: must not be empty`), sorted in the order they appear
 * in the file.
 */

/**
 * `value` checked by `schema`, each problem worded as the config's are
 * (`url: must be an absolute http(s) URL`): admin API bodies read like the file.
 */
export function checkValue<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.output<S> } | { ok: false; problems: string[] } {
  const result = schema.safeParse(value, { error: reasonFor });
  if (result.success) return { ok: true, data: result.data };
  const problems = translate(result.error.issues, []).map(
    (p) => `${formatPath(p.path, 'body')}: ${p.reason}`,
  );
  return { ok: false, problems: [...new Set(problems)] };
}

/** The parse-wide wording of zod's generic issues; schema.ts words the domain-specific ones. */
export function reasonFor(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return EXPECTED[issue.expected] ?? `must be a ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${String(issue.values[0])}`
        : `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options)
        ? `must be one of: ${issue.options.map(String).join(', ')}`
        : 'is not one of the accepted forms';
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') return 'must not be empty';
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return 'is not valid';
  }
}

const EXPECTED: Record<string, string> = {
  object: 'must be a mapping',
  record: 'must be a mapping',
  array: 'must be a list',
  string: 'must be a string',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
};

export function translate(issues: readonly z.core.$ZodIssue[], prefix: Problem['path']): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const path = [...prefix, ...issue.path.map((s) => (typeof s === 'number' ? s : String(s)))];
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ path: [...path, key], reason: 'unknown key' }));
      case 'invalid_key':
        return issue.issues.map((inner) => ({ path, reason: inner.message }));
      case 'invalid_union': {
        // Report inside the one form that fits the value's type, e.g. the
        // mapping form of `type:` when a mapping was written.
        const plausible = issue.errors.filter((errors) => !errors.some(isMismatch));
        return plausible.length === 1 && plausible[0]
          ? translate(plausible[0], path)
          : [{ path, reason: issue.message }];
      }
      default:
        return [{ path, reason: issue.message }];
    }
  });
}

function isMismatch(issue: z.core.$ZodIssue): boolean {
  return (
    issue.path.length === 0 &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')
  );
}

export function formatPath(path: Problem['path'], root = 'config'): string {
  if (path.length === 0) return root;
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Problem lines sorted by where their path starts in the file; a missing key sorts at its parent. */
export function inDocumentOrder(doc: Document, problems: Problem[]): string[] {
  const placed = problems.map((p, i) => ({
    line: `${formatPath(p.path)}: ${p.reason}`,
    at: offsetOf(doc, p.path),
    i,
  }));
  placed.sort((a, b) => a.at - b.at || a.i - b.i);
  return [...new Set(placed.map((p) => p.line))];
}

function offsetOf(doc: Document, path: Problem['path']): number {
  let node: unknown = doc.contents;
  let offset = 0;
  for (const segment of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      next = pair?.value;
      if (isNode(pair?.key)) offset = pair.key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
      if (isNode(next)) offset = next.range?.[0] ?? offset;
    }
    if (!isNode(next)) break;
    node = next;
  }
  return offset;
}

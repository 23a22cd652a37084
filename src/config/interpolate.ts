import type { Problem } from './schema.ts';

/**
 * `${VAR}` and `${VAR:-default}` are replaced inside the string values of the
 * already parsed YAML tree, not in the raw text: a secret from the environment
 * may then hold `#`, quotes or newlines without changing the YAML structure.
 * Keys are left alone, and a substituted value is never scanned again.
 */

// An unterminated `${` is matched too, so it is reported instead of kept as text.
const REFERENCE = /\$\{([^}]*)\}|\$\{/g;
const NAME_AND_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export type Env = Record<string, string | undefined>;

export function interpolate(tree: unknown, env: Env): { value: unknown; problems: Problem[] } {
  const problems: Problem[] = [];
  const value = walk(tree, [], { env, problems, ancestors: new Set() });
  return { value, problems };
}

interface Walk {
  env: Env;
  problems: Problem[];
  // A YAML alias inside its own anchor (`a: &x { b: *x }`) makes a cycle.
  ancestors: Set<object>;
}

function walk(node: unknown, path: Problem['path'], w: Walk): unknown {
  if (typeof node === 'string') return substitute(node, path, w.env, w.problems);
  if (node === null || typeof node !== 'object') return node;
  if (w.ancestors.has(node)) {
    w.problems.push({ path, reason: 'refers to itself (a YAML alias inside its own anchor)' });
    return null;
  }
  w.ancestors.add(node);
  const copy = Array.isArray(node)
    ? node.map((item, i) => walk(item, [...path, i], w))
    : // fromEntries defines keys, so a YAML key named __proto__ stays a plain key.
      Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key], w)]));
  w.ancestors.delete(node);
  return copy;
}

function substitute(text: string, path: Problem['path'], env: Env, problems: Problem[]): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (_whole, inner: string | undefined) => {
    const match = inner === undefined ? null : NAME_AND_DEFAULT.exec(inner);
    if (!match) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the reason shows the syntax to write
      problems.push({ path, reason: 'bad variable reference (write ${NAME} or ${NAME:-default})' });
      return '';
    }
    const [, name, fallback] = match as unknown as [string, string, string | undefined];
    const found = env[name];
    // Like the shell's `:-`, an empty variable also takes the default.
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
    if (found === undefined) {
      problems.push({ path, reason: `environment variable ${name} is not set` });
      return '';
    }
    return found;
  });
}

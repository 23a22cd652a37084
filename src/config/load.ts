import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Document, isMap, isNode, isScalar, isSeq, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, toError } from '../errors.ts';
import { type Env, interpolate } from './interpolate.ts';
import { pathAsWritten } from './presets/expand.ts';
import { configSchema, type Problem, type RelayConfig } from './schema.ts';

/**
 * The config file, from text to a frozen `RelayConfig`. Nothing is half
 * accepted: every problem found is collected and thrown at once as a
 * ConfigError, one `path: reason` line each, in the order they appear in the file.
 */

export function loadConfig(file: string, env: Env = process.env): RelayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`config: cannot read ${file}: ${firstClause(err)}`]);
  }
  return parseConfig(text, { env, baseDir: dirname(resolve(file)) });
}

export function parseConfig(text: string, options: { env: Env; baseDir: string }): RelayConfig {
  // Merge keys (`<<: *base`) are not YAML 1.2, but operators reach for them to share endpoint settings.
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map(yamlProblem));
  let tree: unknown;
  try {
    tree = doc.toJS();
  } catch (err) {
    throw new ConfigError([`config: ${firstClause(err)}`]);
  }
  if (!isRecord(tree)) throw new ConfigError(['config: must be a mapping']);

  const { value, problems } = interpolate(tree, options.env);
  return build({ tree: value as Record<string, unknown>, baseDir: options.baseDir, doc }, problems);
}

/**
 * What a config was parsed from: the interpolated tree (no `${VAR}` left), so
 * the same file can be parsed again with more in it (objects made through the
 * admin API) without reading it or the environment again.
 */
interface ConfigSource {
  tree: Record<string, unknown>;
  baseDir: string;
  doc: Document;
}

const sources = new WeakMap<RelayConfig, ConfigSource>();

/**
 * The config parsed again from its own source with `edit` applied to the
 * tree: every problem of the result (including any `edit` reports) is thrown
 * as one ConfigError, exactly as for the file.
 */
export function reparse(
  config: RelayConfig,
  edit: (tree: Record<string, unknown>) => { tree: Record<string, unknown>; problems: Problem[] },
): RelayConfig {
  const source = sources.get(config);
  if (!source) throw new Error('reparse: this config was not parsed by load.ts');
  const edited = edit(source.tree);
  return build({ ...source, tree: edited.tree }, [...edited.problems], source);
}

function build(source: ConfigSource, problems: Problem[], origin: ConfigSource = source): RelayConfig {
  const { tree: value, baseDir, doc } = source;
  const readSecretFile = (file: string): string => {
    const path = resolve(baseDir, file);
    try {
      return readFileSync(path, 'utf8').trimEnd();
    } catch (err) {
      throw new Error(`cannot read ${path}: ${firstClause(err)}`);
    }
  };
  const result = configSchema({ readSecretFile }).safeParse(value, { error: reasonFor });
  const found = [
    ...(result.success ? [] : translate(result.error.issues, [])).map((p) => ({
      ...p,
      path: pathAsWritten(value, p.path),
    })),
    ...crossCheck(value),
  ];
  // An unset variable leaves an empty value behind; what the schema then says
  // about that value, or about the list holding it, only repeats the cause.
  const consequences = new Set(
    problems.flatMap((p) => [
      formatPath(p.path),
      ...(typeof p.path.at(-1) === 'number' ? [formatPath(p.path.slice(0, -1))] : []),
    ]),
  );
  problems.push(...found.filter((p) => !consequences.has(formatPath(p.path))));
  if (problems.length > 0 || !result.success) throw new ConfigError(inDocumentOrder(doc, problems));
  const config = result.data;
  const frozen = deepFreeze({
    ...config,
    storage: { ...config.storage, path: resolve(baseDir, config.storage.path) },
  });
  // A reparsed config keeps the file's own source: the next edit starts from the file again.
  sources.set(frozen, origin);
  return frozen;
}

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

/** "ENOENT: no such file or directory, open '/x'" → "ENOENT: no such file or directory". */
function firstClause(err: unknown): string {
  return toError(err).message.split(', ')[0] ?? '';
}

function yamlProblem(error: YAMLError): string {
  const [start] = error.linePos ?? [];
  // Drop the quoted source excerpt yaml appends: it may be part of a secret.
  const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').replace(/: ".*"$/, '');
  return start ? `line ${start.line}, column ${start.col}: ${message}` : `config: ${message}`;
}

/** The parse-wide wording of zod's generic issues; schema.ts words the domain-specific ones. */
function reasonFor(issue: z.core.$ZodRawIssue): string {
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

function translate(issues: readonly z.core.$ZodIssue[], prefix: Problem['path']): Problem[] {
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

/**
 * Checks that span sections. They run on the raw tree rather than inside the
 * schema, so they are reported even when some other part fails to parse.
 */
function crossCheck(tree: unknown): Problem[] {
  if (!isRecord(tree)) return [];
  const problems: Problem[] = [];
  const sources = isRecord(tree.sources) ? tree.sources : {};
  const endpoints = isRecord(tree.endpoints) ? tree.endpoints : {};
  const routeNames = new Set<string>();
  (Array.isArray(tree.routes) ? tree.routes : []).forEach((route: unknown, i) => {
    if (!isRecord(route)) return;
    for (const name of namesIn(route.from)) {
      // `relay` is the built-in source of relay's own events.
      if (name !== 'relay' && !Object.hasOwn(sources, name)) {
        problems.push({ path: ['routes', i, 'from'], reason: `unknown source '${name}'` });
      }
    }
    for (const name of namesIn(route.to)) {
      if (!Object.hasOwn(endpoints, name)) {
        problems.push({ path: ['routes', i, 'to'], reason: `unknown endpoint '${name}'` });
      }
    }
    const name = typeof route.name === 'string' ? route.name : `route-${i}`;
    if (routeNames.has(name))
      problems.push({ path: ['routes', i, 'name'], reason: `duplicate route name '${name}'` });
    routeNames.add(name);
  });
  const backend = isRecord(tree.storage) ? tree.storage.backend : undefined;
  if (tree.cluster !== undefined && backend !== 'postgres') {
    problems.push({ path: ['cluster'], reason: 'only for storage.backend: postgres' });
  }
  if (isRecord(tree.delivery) && tree.delivery.require_https === true) {
    for (const [name, endpoint] of Object.entries(endpoints)) {
      if (
        isRecord(endpoint) &&
        typeof endpoint.url === 'string' &&
        URL.parse(endpoint.url)?.protocol === 'http:'
      ) {
        problems.push({
          path: ['endpoints', name, 'url'],
          reason: 'must use https (delivery.require_https is on)',
        });
      }
    }
  }
  return problems;
}

const namesIn = (list: unknown): string[] =>
  Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string' && n !== '') : [];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function formatPath(path: Problem['path'], root = 'config'): string {
  if (path.length === 0) return root;
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Problem lines sorted by where their path starts in the file; a missing key sorts at its parent. */
function inDocumentOrder(doc: Document, problems: Problem[]): string[] {
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

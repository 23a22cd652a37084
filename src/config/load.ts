import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Document, parseDocument, type YAMLError } from 'yaml';
import { ConfigError, toError } from '../errors.ts';
import { crossCheck, isRecord } from './cross-check.ts';
import { type Env, interpolate } from './interpolate.ts';
import { pathAsWritten } from './presets/expand.ts';
import { formatPath, inDocumentOrder, reasonFor, translate } from './problems.ts';
import { configSchema, type Problem, type RelayConfig } from './schema.ts';

export { checkValue } from './problems.ts';

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

/**
 * The schema is built once, not for each parse: building it is most of the
 * work of a parse (and the single executable does it while its startup
 * snapshot is built). A `secret_file` is read relative to the file being
 * parsed, which `build` sets for the length of its synchronous parse.
 */
let secretBaseDir: string | undefined;
const schema = configSchema({
  readSecretFile(file) {
    const path = resolve(secretBaseDir!, file);
    try {
      return readFileSync(path, 'utf8').trimEnd();
    } catch (err) {
      throw new Error(`cannot read ${path}: ${firstClause(err)}`);
    }
  },
});

function build(source: ConfigSource, problems: Problem[], origin: ConfigSource = source): RelayConfig {
  const { tree: value, baseDir, doc } = source;
  secretBaseDir = baseDir;
  let result: ReturnType<typeof schema.safeParse>;
  try {
    result = schema.safeParse(value, { error: reasonFor });
  } finally {
    secretBaseDir = undefined;
  }
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

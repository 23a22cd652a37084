import type { Problem } from '../schema.ts';
import { isPresetName, PRESETS } from './index.ts';

/**
 * `preset: NAME` → the preset's source keys, under the keys written beside
 * it: any key the file writes replaces the preset's whole (writing `verify:`
 * replaces the preset's verify). `secret` / `secret_file` complete the
 * preset's verify. Runs on the source as written, before the schema checks
 * it, so the rest of relay only ever sees an ordinary source. An unknown
 * name is left for the schema to report.
 */
export function expandPreset(source: unknown): unknown {
  if (!isRecord(source) || typeof source.preset !== 'string' || !isPresetName(source.preset)) return source;
  const { preset: name, secret, secret_file, ...own } = source;
  const { verify, type, id, types } = PRESETS[name];
  const sample = Object.entries(types).flatMap(([type, { sample }]) =>
    sample ? [{ type, body: JSON.stringify(sample) }] : [],
  );
  // A verify written out takes no secret from beside it: the schema reports one left over.
  const secrets =
    own.verify === undefined ? { verify: { ...verify, secret, secret_file } } : { secret, secret_file };
  return { type, id, sample, ...secrets, ...own, preset: name };
}

/**
 * A problem inside a verify the preset filled in is about what the file wrote
 * beside `preset` (`sources.x.verify.secret` → `sources.x.secret`).
 */
export function pathAsWritten(tree: unknown, path: Problem['path']): Problem['path'] {
  const [section, name, key] = path;
  if (section !== 'sources' || key !== 'verify' || !isRecord(tree) || !isRecord(tree.sources)) return path;
  const source = tree.sources[String(name)];
  const filled =
    isRecord(source) &&
    source.verify === undefined &&
    typeof source.preset === 'string' &&
    isPresetName(source.preset);
  return filled ? [section, String(name), ...path.slice(3)] : path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

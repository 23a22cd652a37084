import { createHash } from 'node:crypto';
import type { RelayConfig } from './schema.ts';

/** The config relay runs on, with what lets an operator tell which file it came from. */
export interface RunningConfig {
  readonly config: RelayConfig;
  /** `sha256:<hex>` of the file's config as loaded (what `relay check` prints), see `configFingerprint`. */
  readonly fingerprint: string;
  /** When it was applied, at start or by a reload (epoch ms). */
  readonly loadedAt: number;
}

/** `config` is what runs; `file` what the file gave, when objects made through the admin API were added to it. */
export function runningConfig(
  config: RelayConfig,
  loadedAt: number,
  file: RelayConfig = config,
): RunningConfig {
  return { config, fingerprint: configFingerprint(file), loadedAt };
}

/**
 * A digest of the loaded config (defaults filled in, `${VAR}`s and secret
 * files read), with object keys sorted so the YAML's layout, comments and key
 * order do not change it. Secrets are part of it, so a rotated secret shows
 * as a new fingerprint; the digest does not reveal them.
 */
export function configFingerprint(config: RelayConfig): string {
  return `sha256:${createHash('sha256').update(canonicalJson(config)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

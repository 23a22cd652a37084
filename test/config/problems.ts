import { parseConfig } from '../../src/config/load.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';

/** A config from text, as if its file were in `baseDir`. */
export const parse = (text: string, env: Record<string, string> = {}, baseDir = '/etc/relay'): RelayConfig =>
  parseConfig(text, { env, baseDir });

/** The problem lines of a config that `run` must refuse; throws if it is accepted. */
export function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the config was accepted');
}

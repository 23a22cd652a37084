import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { parse } from 'yaml';
import { type Env, interpolate } from '../config/interpolate.ts';
import { configSchema } from '../config/schema.ts';
import { urlOf } from '../http/listener.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9090';

export interface TargetOptions {
  admin?: string;
  token?: string;
  /** The root program's `--config`. */
  config?: string;
}

/**
 * Where the ops commands send their calls and with which token: `--admin`,
 * else the config's `listen.admin` when `--config` is given, else the
 * default; `--token`, else RELAY_ADMIN_TOKEN, else the config's `admin.token`.
 */
export function resolveTarget(
  options: TargetOptions,
  env: Env = process.env,
): { url: string; token?: string } {
  const fromConfig = options.config ? adminSettings(options.config, env) : undefined;
  const url = options.admin ?? fromConfig?.url ?? DEFAULT_ADMIN_URL;
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new InvalidArgumentError(`--admin must be an http(s) URL, not "${url}"`);
  const token = options.token || env.RELAY_ADMIN_TOKEN || fromConfig?.token;
  return token ? { url, token } : { url };
}

/**
 * Only `listen.admin` and `admin.token` are read from the file: an operator's
 * shell need not hold the daemon's other secrets (`${SENDBLUE_SECRET}` …)
 * for the ops commands to find the admin API.
 */
function adminSettings(file: string, env: Env): { url: string; token: string | undefined } {
  let tree: { listen?: { admin?: unknown }; admin?: { token?: unknown } } | null;
  try {
    tree = parse(readFileSync(file, 'utf8'), { merge: true });
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const subset = {
    ...(tree?.listen?.admin === undefined ? {} : { listen: { admin: tree.listen.admin } }),
    ...(tree?.admin?.token === undefined ? {} : { admin: { token: tree.admin.token } }),
  };
  const { value, problems } = interpolate(subset, env);
  const parsed = configSchema({ readSecretFile: () => '' }).safeParse(value);
  const problem = problems[0]?.reason ?? (parsed.success ? undefined : parsed.error.issues[0]?.message);
  if (problem !== undefined || !parsed.success) {
    throw new InvalidArgumentError(`cannot take the admin address from ${file}: ${problem}`);
  }
  return { url: urlOf(parsed.data.listen.admin), token: parsed.data.admin.token };
}

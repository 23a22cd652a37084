import { redactUrl } from '../http/redact-url.ts';
import type { RelayConfig } from './schema.ts';

export const MASK = '***';

const mapValues = <T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, fn(value)]));

const masked = <T extends { secrets: string[] }>(form: T | undefined): T | undefined =>
  form && { ...form, secrets: form.secrets.map(() => MASK) };

/**
 * The config with every secret replaced by "***", for showing to operators:
 * verification and signing secrets, the admin token, endpoint header values
 * (they often carry credentials) and URL credentials and query values. Each
 * secret-bearing field is named here, so a new one must be added here too;
 * the admin test feeds every form of secret through and looks for any.
 */
export function maskedConfig(config: RelayConfig): RelayConfig {
  return {
    ...config,
    admin: {
      ...config.admin,
      token: config.admin.token === undefined ? undefined : MASK,
      tokens: config.admin.tokens.map((token) => ({ ...token, token: MASK })),
    },
    sources: mapValues(config.sources, (source) => ({ ...source, verify: masked(source.verify) })),
    endpoints: mapValues(config.endpoints, (endpoint) => ({
      ...endpoint,
      url: redactUrl(endpoint.url),
      signing: masked(endpoint.signing),
      headers: mapValues(endpoint.headers, () => MASK),
    })),
  };
}

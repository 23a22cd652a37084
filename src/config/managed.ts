import type { ConfigError } from '../errors.ts';
import { reparse } from './load.ts';
import type { Problem, RelayConfig } from './schema.ts';

/**
 * An endpoint or route made through the admin API: its document, in the
 * file's shape; or a setting of the admin API itself (the webhooks list).
 */
export interface ManagedSpec {
  kind: 'endpoint' | 'route' | 'setting';
  name: string;
  spec: Record<string, unknown>;
}

export type Origin = 'file' | 'api';

/**
 * The file's config with the API's endpoints and routes added, validated by
 * the one config schema as if they had been written in the file. Names are
 * unique across both: a file object and an API object of one name is a
 * problem (`endpoints.crm: …`), never a silent override.
 */
export function withManaged(file: RelayConfig, managed: readonly ManagedSpec[]): RelayConfig {
  if (!managed.some((object) => object.kind !== 'setting')) return file;
  return reparse(file, (tree) => {
    const problems: Problem[] = [];
    const endpoints = { ...asRecord(tree.endpoints) };
    const routes = [...asList(tree.routes)];
    const fileRoutes = new Set(routes.map((route, i) => routeName(route, i)));
    for (const object of managed) {
      if (object.kind === 'setting') continue;
      if (object.kind === 'endpoint') {
        if (Object.hasOwn(endpoints, object.name)) problems.push(collision('endpoints', object.name));
        endpoints[object.name] = object.spec;
      } else {
        if (fileRoutes.has(object.name)) problems.push(collision('routes', object.name));
        routes.push({ ...object.spec, name: object.name });
      }
    }
    return { tree: { ...tree, endpoints, routes }, problems };
  });
}

/** Which layer an endpoint or route of the running config comes from. */
export function originOf(managed: readonly ManagedSpec[], kind: 'endpoint' | 'route', name: string): Origin {
  return managed.some((object) => object.kind === kind && object.name === name) ? 'api' : 'file';
}

/**
 * The problems of a ConfigError that belong to one managed object, relative
 * to it (`url: must be an absolute http(s) URL`), and the others whole (a
 * route naming an endpoint that does not exist is the route's problem).
 */
export function problemsOf(
  error: ConfigError,
  file: RelayConfig,
  managed: readonly ManagedSpec[],
  object: { kind: 'endpoint' | 'route'; name: string },
): string[] {
  // withManaged appends API routes after the file's, in their order.
  const apiRoutes = managed.filter((m) => m.kind === 'route').map((m) => m.name);
  const prefix =
    object.kind === 'endpoint'
      ? `endpoints.${object.name}`
      : `routes[${file.routes.length + apiRoutes.indexOf(object.name)}]`;
  return error.problems.map((line) => {
    if (line.startsWith(`${prefix}.`)) return line.slice(prefix.length + 1);
    if (line.startsWith(`${prefix}[`)) return line.slice(prefix.length);
    if (line.startsWith(`${prefix}:`)) return line.slice(prefix.length + 2);
    return line;
  });
}

function collision(section: 'endpoints' | 'routes', name: string): Problem {
  return {
    path: [section, name],
    reason: `'${name}' is defined in the config file and through the admin API; rename or delete one`,
  };
}

function routeName(route: unknown, i: number): string {
  const name = (route as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : `route-${i}`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

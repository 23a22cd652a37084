import type { Problem } from './schema.ts';

/**
 * Checks that span sections. They run on the raw tree rather than inside the
 * schema, so they are reported even when some other part fails to parse.
 */
export function crossCheck(tree: unknown): Problem[] {
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

import { z } from 'zod';
import { nameKey } from '../../config/fields.ts';
import { text } from './common.ts';

/**
 * How a managed body is written: the object as in the YAML file, which the
 * config schema checks with the rest of the running config (config/managed.ts),
 * so every problem is found at once, cross-references included. The router
 * checks only its name here; the document shows the config's own schema for
 * the rest (openapi.ts reads this registry).
 */
export const configShaped = z.registry<{
  kind: 'endpoint' | 'route';
  naming: 'required' | 'optional' | 'patch';
}>();

const endpoint = { kind: 'endpoint', naming: 'required' } as const;
const route = { kind: 'route', naming: 'required' } as const;

// Endpoint names are config keys (`nameKey`); a route's name is any non-empty text, as in the file.
export const endpointCreate = z.looseObject({ name: nameKey }).register(configShaped, endpoint);
export const endpointReplace = z
  .looseObject({ name: nameKey.optional() })
  .register(configShaped, { ...endpoint, naming: 'optional' });
export const endpointPatch = z
  .looseObject({ name: nameKey.optional() })
  .register(configShaped, { ...endpoint, naming: 'patch' });
export const routeCreate = z.looseObject({ name: text }).register(configShaped, route);
export const routeReplace = z
  .looseObject({ name: text.optional() })
  .register(configShaped, { ...route, naming: 'optional' });
export const routePatch = z
  .looseObject({ name: text.optional() })
  .register(configShaped, { ...route, naming: 'patch' });

export const endpointDeleted = z.object({
  deleted: z.string(),
  /** Its unfinished deliveries, now held (GET /admin/backlogs). */
  held_deliveries: z.int(),
});

export const routeDeleted = z.object({ deleted: z.string() });

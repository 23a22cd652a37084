import { z } from 'zod';
import { nameKey } from '../../config/fields.ts';
import { text } from './common.ts';

type Naming = 'required' | 'optional' | 'patch';

/**
 * How a managed body is written: the object as in the YAML file, which the
 * config schema checks with the rest of the running config (config/managed.ts),
 * so every problem is found at once, cross-references included. The router
 * checks only its name here; the document shows the config's own schema for
 * the rest (openapi.ts reads this registry).
 */
export const configShaped = z.registry<{ kind: 'endpoint' | 'route'; naming: Naming }>();

/** The body's envelope: its name, typed, and which config schema checks (and documents) the rest. */
function managedBody<Name extends z.ZodType>(kind: 'endpoint' | 'route', naming: Naming, name: Name) {
  return z.looseObject({ name }).register(configShaped, { kind, naming });
}

// Endpoint names are config keys (`nameKey`); a route's name is any non-empty text, as in the file.
export const endpointCreate = managedBody('endpoint', 'required', nameKey);
export const endpointReplace = managedBody('endpoint', 'optional', nameKey.optional());
export const endpointPatch = managedBody('endpoint', 'patch', nameKey.optional());
export const routeCreate = managedBody('route', 'required', text);
export const routeReplace = managedBody('route', 'optional', text.optional());
export const routePatch = managedBody('route', 'patch', text.optional());

export const endpointDeleted = z.object({
  deleted: z.string(),
  /** Its unfinished deliveries, now held (GET /admin/backlogs). */
  held_deliveries: z.int(),
});

export const routeDeleted = z.object({ deleted: z.string() });

import type { z } from 'zod';
import type { RouteConfig } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import type { AdminContext } from './context.ts';
import type { routeView } from './schemas/routes.ts';

export type RouteView = z.infer<typeof routeView>;

/** `GET /admin/routes`: every route of the running config, the file's first, then the API's. */
export function listRoutes(ctx: AdminContext): { routes: RouteView[] } {
  return { routes: ctx.view().config.routes.map((route) => describeRoute(ctx, route)) };
}

export function showRoute(ctx: AdminContext, name: string): RouteView {
  const route = ctx.view().config.routes.find((r) => r.name === name);
  if (!route) throw new RelayError('RELAY_ERR_NOT_FOUND', `no route named '${name}'`);
  return describeRoute(ctx, route);
}

function describeRoute(ctx: AdminContext, route: RouteConfig): RouteView {
  return {
    name: route.name,
    from: route.from,
    types: route.types,
    filter: route.filter ?? null,
    to: route.to,
    origin: ctx.managed.origin('route', route.name),
  };
}

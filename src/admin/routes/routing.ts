import { createObject, deleteRoute, patchObject, putObject } from '../managed.ts';
import { listRoutes, showRoute } from '../route-list.ts';
import { type Route, route } from '../router.ts';
import { routeCreate, routeDeleted, routePatch, routeReplace } from '../schemas/managed.ts';
import { routeList, routeView } from '../schemas/routes.ts';

/** /admin/routes: the routing table's routes. */
export const routingRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: 'routes',
    role: 'read',
    answer: routeList,
    handle: ({ ctx }) => listRoutes(ctx),
  }),
  route({
    method: 'POST',
    path: 'routes',
    role: 'admin',
    action: 'route.create',
    audited: true,
    status: 201,
    body: routeCreate,
    answer: routeView,
    handle: (call) => createObject(call, 'route'),
  }),
  route({
    method: 'GET',
    path: 'routes/{name}',
    role: 'read',
    answer: routeView,
    handle: ({ ctx, params }) => showRoute(ctx, params[0]!),
  }),
  route({
    method: 'PUT',
    path: 'routes/{name}',
    role: 'admin',
    action: 'route.replace',
    audited: true,
    body: routeReplace,
    answer: routeView,
    handle: (call) => putObject(call, 'route'),
  }),
  route({
    method: 'PATCH',
    path: 'routes/{name}',
    role: 'admin',
    action: 'route.update',
    audited: true,
    body: routePatch,
    answer: routeView,
    handle: (call) => patchObject(call, 'route'),
  }),
  route({
    method: 'DELETE',
    path: 'routes/{name}',
    role: 'admin',
    action: 'route.delete',
    audited: true,
    answer: routeDeleted,
    handle: deleteRoute,
  }),
];

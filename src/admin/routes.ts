import { RelayError } from '../errors.ts';
import { listAudit } from './audit.ts';
import { backfillEndpoint } from './backfill.ts';
import { dropBacklog, listBacklogs, moveBacklog } from './backlogs.ts';
import { optionalString, parseId, readJsonObject } from './body.ts';
import { showConfig } from './config.ts';
import { replayEndpoint, retryDelivery } from './deliveries.ts';
import { changeState, listEndpoints, showEndpoint } from './endpoints.ts';
import { describeDelivery, listEvents, showEvent } from './events.ts';
import { createObject, deleteObject, patchObject, putObject } from './managed.ts';
import { listRoutes, showRoute } from './route-list.ts';
import type { Route } from './router.ts';
import { sendTestEvent } from './test-send.ts';
import { appendWebhooks, deleteWebhooks, listWebhooks, replaceWebhooks } from './webhooks.ts';

/**
 * Every /admin/* route with the least role that may call it and, for a
 * change, its name in the audit log. The README's "Admin API" section lists
 * the same (a test holds them together).
 */
export const adminRoutes: readonly Route[] = [
  // Who the bearer is: the dashboard shows only the buttons its role may use.
  {
    method: 'GET',
    path: 'whoami',
    role: 'read',
    handle: ({ caller }) => ({ name: caller.name, role: caller.role }),
  },
  { method: 'GET', path: 'config', role: 'read', handle: ({ ctx }) => showConfig(ctx) },
  { method: 'GET', path: 'endpoints', role: 'read', handle: ({ ctx }) => listEndpoints(ctx) },
  {
    method: 'POST',
    path: 'endpoints',
    role: 'admin',
    action: 'endpoint.create',
    audited: true,
    status: 201,
    handle: async (call) => createObject(call, 'endpoint', await readJsonObject(call.req)),
  },
  {
    method: 'GET',
    path: 'endpoints/{name}',
    role: 'read',
    handle: ({ ctx, params }) => showEndpoint(ctx, params[0]!),
  },
  {
    method: 'PUT',
    path: 'endpoints/{name}',
    role: 'admin',
    action: 'endpoint.replace',
    audited: true,
    handle: async (call) => putObject(call, 'endpoint', await readJsonObject(call.req)),
  },
  {
    method: 'PATCH',
    path: 'endpoints/{name}',
    role: 'admin',
    action: 'endpoint.update',
    audited: true,
    handle: async (call) => patchObject(call, 'endpoint', await readJsonObject(call.req)),
  },
  {
    method: 'DELETE',
    path: 'endpoints/{name}',
    role: 'admin',
    action: 'endpoint.delete',
    audited: true,
    handle: (call) => deleteObject(call, 'endpoint'),
  },
  ...(['pause', 'resume', 'enable'] as const).map(
    (action): Route => ({
      method: 'POST',
      path: `endpoints/{name}/${action}`,
      role: 'operate',
      action: `endpoint.${action}`,
      handle: ({ ctx, params }) => changeState(ctx, params[0]!, action),
    }),
  ),
  {
    method: 'POST',
    path: 'endpoints/{name}/test',
    role: 'operate',
    action: 'endpoint.test',
    handle: async ({ ctx, req, params }) =>
      sendTestEvent(ctx, params[0]!, optionalString(await readJsonObject(req), 'type')),
  },
  {
    method: 'POST',
    path: 'endpoints/{name}/replay',
    role: 'operate',
    action: 'endpoint.replay',
    handle: async ({ ctx, req, params }) => replayEndpoint(ctx, params[0]!, await readJsonObject(req)),
  },
  {
    method: 'POST',
    path: 'endpoints/{name}/backfill',
    role: 'operate',
    action: 'endpoint.backfill',
    handle: async ({ ctx, req, params }) => backfillEndpoint(ctx, params[0]!, await readJsonObject(req)),
  },
  { method: 'GET', path: 'routes', role: 'read', handle: ({ ctx }) => listRoutes(ctx) },
  {
    method: 'POST',
    path: 'routes',
    role: 'admin',
    action: 'route.create',
    audited: true,
    status: 201,
    handle: async (call) => createObject(call, 'route', await readJsonObject(call.req)),
  },
  {
    method: 'GET',
    path: 'routes/{name}',
    role: 'read',
    handle: ({ ctx, params }) => showRoute(ctx, params[0]!),
  },
  {
    method: 'PUT',
    path: 'routes/{name}',
    role: 'admin',
    action: 'route.replace',
    audited: true,
    handle: async (call) => putObject(call, 'route', await readJsonObject(call.req)),
  },
  {
    method: 'PATCH',
    path: 'routes/{name}',
    role: 'admin',
    action: 'route.update',
    audited: true,
    handle: async (call) => patchObject(call, 'route', await readJsonObject(call.req)),
  },
  {
    method: 'DELETE',
    path: 'routes/{name}',
    role: 'admin',
    action: 'route.delete',
    audited: true,
    handle: (call) => deleteObject(call, 'route'),
  },
  { method: 'GET', path: 'events', role: 'read', handle: ({ ctx, query }) => listEvents(ctx, query) },
  {
    method: 'GET',
    path: 'events/{id}',
    role: 'read',
    handle: ({ ctx, params }) => showEvent(ctx, params[0]!),
  },
  {
    method: 'GET',
    path: 'deliveries/{id}',
    role: 'read',
    handle: async ({ ctx, params }) => {
      const id = parseId(params[0]!, 'delivery');
      const delivery = await ctx.store.reads.delivery(id);
      if (!delivery) throw new RelayError('RELAY_ERR_NOT_FOUND', `no delivery with id ${id}`);
      return describeDelivery(delivery);
    },
  },
  {
    method: 'POST',
    path: 'deliveries/{id}/retry',
    role: 'operate',
    action: 'delivery.retry',
    handle: ({ ctx, params }) => retryDelivery(ctx, parseId(params[0]!, 'delivery')),
  },
  { method: 'GET', path: 'backlogs', role: 'read', handle: ({ ctx }) => listBacklogs(ctx) },
  {
    method: 'POST',
    path: 'backlogs/{name}/move',
    role: 'operate',
    action: 'backlog.move',
    handle: async ({ ctx, req, params }) => moveBacklog(ctx, params[0]!, await readJsonObject(req)),
  },
  {
    method: 'POST',
    path: 'backlogs/{name}/drop',
    role: 'operate',
    action: 'backlog.drop',
    handle: ({ ctx, params }) => dropBacklog(ctx, params[0]!),
  },
  { method: 'GET', path: 'audit', role: 'read', handle: ({ ctx, query }) => listAudit(ctx, query) },
  { method: 'GET', path: 'webhooks', role: 'read', handle: ({ ctx }) => listWebhooks(ctx) },
  {
    method: 'POST',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.append',
    audited: true,
    handle: async (call) => appendWebhooks(call, await readJsonObject(call.req)),
  },
  {
    method: 'PUT',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.replace',
    audited: true,
    handle: async (call) => replaceWebhooks(call, await readJsonObject(call.req)),
  },
  {
    method: 'DELETE',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.delete',
    audited: true,
    handle: async (call) => deleteWebhooks(call, await readJsonObject(call.req)),
  },
];

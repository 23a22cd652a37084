import { RelayError } from '../errors.ts';
import { listAudit } from './audit.ts';
import { backfillEndpoint } from './backfill.ts';
import { dropBacklog, listBacklogs, moveBacklog } from './backlogs.ts';
import { parseId } from './body.ts';
import { listCluster } from './cluster.ts';
import { showConfig } from './config.ts';
import { replayEndpoint, retryDelivery } from './deliveries.ts';
import { changeState, listEndpoints, showEndpoint } from './endpoints.ts';
import { describeDelivery, listEvents, showEvent } from './events.ts';
import { createObject, deleteEndpoint, deleteRoute, patchObject, putObject } from './managed.ts';
import { openApiDocument } from './openapi.ts';
import { listRoutes, showRoute } from './route-list.ts';
import { type Route, route } from './router.ts';
import { auditList } from './schemas/audit.ts';
import { backlogList, dropAnswer, moveAnswer, moveBody } from './schemas/backlogs.ts';
import { clusterList } from './schemas/cluster.ts';
import { whoamiAnswer } from './schemas/common.ts';
import { configAnswer, openApiAnswer } from './schemas/config.ts';
import {
  backfillAnswer,
  backfillBody,
  endpointList,
  endpointView,
  replayAnswer,
  replayBody,
  testBody,
  testResult,
} from './schemas/endpoints.ts';
import { deliveryDetail, eventDetail, eventList, retryAnswer } from './schemas/events.ts';
import {
  endpointCreate,
  endpointDeleted,
  endpointPatch,
  endpointReplace,
  routeCreate,
  routeDeleted,
  routePatch,
  routeReplace,
} from './schemas/managed.ts';
import { routeList, routeView } from './schemas/routes.ts';
import { streamEvent } from './schemas/stream.ts';
import { appendBody, deleteBody, replaceBody, webhooksAnswer } from './schemas/webhooks.ts';
import { sendTestEvent } from './test-send.ts';
import { appendWebhooks, deleteWebhooks, listWebhooks, replaceWebhooks } from './webhooks.ts';

/**
 * Every /admin/* route with the least role that may call it, for a change
 * its name in the audit log, and the schemas of its body and its answer
 * (checked by the router, typed into the handler, and published as
 * GET /admin/openapi.json). The README's "Admin API" section lists the
 * same (test/docs.test.ts holds them together).
 */
export const adminRoutes: readonly Route[] = [
  // Who the bearer is: the dashboard shows only the buttons its role may use.
  route({
    method: 'GET',
    path: 'whoami',
    role: 'read',
    answer: whoamiAnswer,
    handle: ({ caller }) => ({ name: caller.name, role: caller.role }),
  }),
  route({
    method: 'GET',
    path: 'config',
    role: 'read',
    answer: configAnswer,
    handle: ({ ctx }) => showConfig(ctx),
  }),
  route({
    method: 'GET',
    path: 'endpoints',
    role: 'read',
    answer: endpointList,
    handle: ({ ctx }) => listEndpoints(ctx),
  }),
  route({
    method: 'POST',
    path: 'endpoints',
    role: 'admin',
    action: 'endpoint.create',
    audited: true,
    status: 201,
    body: endpointCreate,
    answer: endpointView,
    handle: (call) => createObject(call, 'endpoint'),
  }),
  route({
    method: 'GET',
    path: 'endpoints/{name}',
    role: 'read',
    answer: endpointView,
    handle: ({ ctx, params }) => showEndpoint(ctx, params[0]!),
  }),
  route({
    method: 'PUT',
    path: 'endpoints/{name}',
    role: 'admin',
    action: 'endpoint.replace',
    audited: true,
    body: endpointReplace,
    answer: endpointView,
    handle: (call) => putObject(call, 'endpoint'),
  }),
  route({
    method: 'PATCH',
    path: 'endpoints/{name}',
    role: 'admin',
    action: 'endpoint.update',
    audited: true,
    body: endpointPatch,
    answer: endpointView,
    handle: (call) => patchObject(call, 'endpoint'),
  }),
  route({
    method: 'DELETE',
    path: 'endpoints/{name}',
    role: 'admin',
    action: 'endpoint.delete',
    audited: true,
    answer: endpointDeleted,
    handle: deleteEndpoint,
  }),
  ...(['pause', 'resume', 'enable'] as const).map((action) =>
    route({
      method: 'POST',
      path: `endpoints/{name}/${action}`,
      role: 'operate',
      action: `endpoint.${action}`,
      answer: endpointView,
      handle: ({ ctx, params }) => changeState(ctx, params[0]!, action),
    }),
  ),
  route({
    method: 'POST',
    path: 'endpoints/{name}/test',
    role: 'operate',
    action: 'endpoint.test',
    body: testBody,
    answer: testResult,
    handle: ({ ctx, params, body }) => sendTestEvent(ctx, params[0]!, body.type),
  }),
  route({
    method: 'POST',
    path: 'endpoints/{name}/replay',
    role: 'operate',
    action: 'endpoint.replay',
    body: replayBody,
    answer: replayAnswer,
    handle: ({ ctx, params, body }) => replayEndpoint(ctx, params[0]!, body),
  }),
  route({
    method: 'POST',
    path: 'endpoints/{name}/backfill',
    role: 'operate',
    action: 'endpoint.backfill',
    body: backfillBody,
    answer: backfillAnswer,
    handle: ({ ctx, params, body }) => backfillEndpoint(ctx, params[0]!, body),
  }),
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
  route({
    method: 'GET',
    path: 'events',
    role: 'read',
    answer: eventList,
    handle: ({ ctx, query }) => listEvents(ctx, query),
  }),
  route({
    method: 'GET',
    path: 'events/{id}',
    role: 'read',
    answer: eventDetail,
    handle: ({ ctx, params }) => showEvent(ctx, params[0]!),
  }),
  route({
    method: 'GET',
    path: 'deliveries/{id}',
    role: 'read',
    answer: deliveryDetail,
    handle: async ({ ctx, params }) => {
      const id = parseId(params[0]!, 'delivery');
      const delivery = await ctx.store.reads.delivery(id);
      if (!delivery) throw new RelayError('RELAY_ERR_NOT_FOUND', `no delivery with id ${id}`);
      return describeDelivery(delivery);
    },
  }),
  route({
    method: 'POST',
    path: 'deliveries/{id}/retry',
    role: 'operate',
    action: 'delivery.retry',
    answer: retryAnswer,
    handle: ({ ctx, params }) => retryDelivery(ctx, parseId(params[0]!, 'delivery')),
  }),
  route({
    method: 'GET',
    path: 'backlogs',
    role: 'read',
    answer: backlogList,
    handle: ({ ctx }) => listBacklogs(ctx),
  }),
  route({
    method: 'GET',
    path: 'cluster',
    role: 'read',
    answer: clusterList,
    handle: ({ ctx }) => listCluster(ctx),
  }),
  route({
    method: 'POST',
    path: 'backlogs/{name}/move',
    role: 'operate',
    action: 'backlog.move',
    body: moveBody,
    answer: moveAnswer,
    handle: ({ ctx, params, body }) => moveBacklog(ctx, params[0]!, body),
  }),
  route({
    method: 'POST',
    path: 'backlogs/{name}/drop',
    role: 'operate',
    action: 'backlog.drop',
    answer: dropAnswer,
    handle: ({ ctx, params }) => dropBacklog(ctx, params[0]!),
  }),
  route({
    method: 'GET',
    path: 'audit',
    role: 'read',
    answer: auditList,
    handle: ({ ctx, query }) => listAudit(ctx, query),
  }),
  route({
    method: 'GET',
    path: 'stream',
    role: 'read',
    stream: true,
    answer: streamEvent,
    // The stream writes its own answer and stays open: nothing is returned.
    handle: ({ ctx, res, query }) => {
      ctx.stream.open(res, query);
      return undefined as never;
    },
  }),
  route({
    method: 'GET',
    path: 'webhooks',
    role: 'read',
    answer: webhooksAnswer,
    handle: ({ ctx }) => listWebhooks(ctx),
  }),
  route({
    method: 'POST',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.append',
    audited: true,
    body: appendBody,
    answer: webhooksAnswer,
    handle: appendWebhooks,
  }),
  route({
    method: 'PUT',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.replace',
    audited: true,
    body: replaceBody,
    answer: webhooksAnswer,
    handle: replaceWebhooks,
  }),
  route({
    method: 'DELETE',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.delete',
    audited: true,
    body: deleteBody,
    answer: webhooksAnswer,
    handle: deleteWebhooks,
  }),
  route({
    method: 'GET',
    path: 'openapi.json',
    role: 'read',
    answer: openApiAnswer,
    handle: () => openApiDocument(adminRoutes),
  }),
];

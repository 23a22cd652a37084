import { backfillEndpoint } from '../backfill.ts';
import { replayEndpoint } from '../deliveries.ts';
import { changeState, listEndpoints, showEndpoint } from '../endpoints.ts';
import { createObject, deleteEndpoint, patchObject, putObject } from '../managed.ts';
import { type Route, route } from '../router.ts';
import {
  backfillAnswer,
  backfillBody,
  endpointList,
  endpointView,
  replayAnswer,
  replayBody,
  testBody,
  testResult,
} from '../schemas/endpoints.ts';
import { endpointCreate, endpointDeleted, endpointPatch, endpointReplace } from '../schemas/managed.ts';
import { sendTestEvent } from '../test-send.ts';

/** /admin/endpoints: the endpoints and their state, a test send, replay and backfill. */
export const endpointRoutes: readonly Route[] = [
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
];

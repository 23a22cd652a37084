import { showConfig } from './config.ts';
import { openApiDocument } from './openapi.ts';
import { type Route, route } from './router.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { eventRoutes } from './routes/events.ts';
import { operationRoutes } from './routes/operations.ts';
import { routingRoutes } from './routes/routing.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { whoamiAnswer } from './schemas/common.ts';
import { configAnswer, openApiAnswer } from './schemas/config.ts';

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
  ...endpointRoutes,
  ...routingRoutes,
  ...eventRoutes,
  ...operationRoutes,
  ...webhookRoutes,
  route({
    method: 'GET',
    path: 'openapi.json',
    role: 'read',
    answer: openApiAnswer,
    handle: () => openApiDocument(adminRoutes),
  }),
];

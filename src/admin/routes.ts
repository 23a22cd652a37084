import type { IncomingMessage } from 'node:http';
import type { StateAction } from '../dispatch/lane.ts';
import { RelayError } from '../errors.ts';
import { decodeSegment } from '../http/url.ts';
import { backfillEndpoint } from './backfill.ts';
import { dropBacklog, listBacklogs, moveBacklog } from './backlogs.ts';
import { optionalString, parseId, readJsonObject } from './body.ts';
import { listCluster } from './cluster.ts';
import type { AdminContext } from './context.ts';
import { replayEndpoint, retryDelivery } from './deliveries.ts';
import { changeState, listEndpoints, showEndpoint } from './endpoints.ts';
import { describeDelivery, listEvents, showEvent } from './events.ts';
import { sendTestEvent } from './test-send.ts';

interface Call {
  ctx: AdminContext;
  req: IncomingMessage;
  /** The decoded path segments the pattern captured. */
  params: string[];
  query: URLSearchParams;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(call: Call): unknown;
}

const NAME = '([^/]+)';

/** Every /admin/* route: the README's "Admin API" section lists the same. */
const routes: Route[] = [
  { method: 'GET', pattern: path('endpoints'), handle: ({ ctx }) => listEndpoints(ctx) },
  {
    method: 'GET',
    pattern: path('endpoints', NAME),
    handle: ({ ctx, params }) => showEndpoint(ctx, params[0]!),
  },
  {
    method: 'POST',
    pattern: path('endpoints', NAME, '(pause|resume|enable)'),
    handle: ({ ctx, params }) => changeState(ctx, params[0]!, params[1] as StateAction),
  },
  {
    method: 'POST',
    pattern: path('endpoints', NAME, 'test'),
    handle: async ({ ctx, req, params }) =>
      sendTestEvent(ctx, params[0]!, optionalString(await readJsonObject(req), 'type')),
  },
  {
    method: 'POST',
    pattern: path('endpoints', NAME, 'replay'),
    handle: async ({ ctx, req, params }) => replayEndpoint(ctx, params[0]!, await readJsonObject(req)),
  },
  {
    method: 'POST',
    pattern: path('endpoints', NAME, 'backfill'),
    handle: async ({ ctx, req, params }) => backfillEndpoint(ctx, params[0]!, await readJsonObject(req)),
  },
  { method: 'GET', pattern: path('events'), handle: ({ ctx, query }) => listEvents(ctx, query) },
  { method: 'GET', pattern: path('events', NAME), handle: ({ ctx, params }) => showEvent(ctx, params[0]!) },
  {
    method: 'GET',
    pattern: path('deliveries', NAME),
    handle: async ({ ctx, params }) => {
      const id = parseId(params[0]!, 'delivery');
      const delivery = await ctx.store.reads.delivery(id);
      if (!delivery) throw new RelayError('RELAY_ERR_NOT_FOUND', `no delivery with id ${id}`);
      return describeDelivery(delivery);
    },
  },
  {
    method: 'POST',
    pattern: path('deliveries', NAME, 'retry'),
    handle: ({ ctx, params }) => retryDelivery(ctx, parseId(params[0]!, 'delivery')),
  },
  { method: 'GET', pattern: path('backlogs'), handle: ({ ctx }) => listBacklogs(ctx) },
  { method: 'GET', pattern: path('cluster'), handle: ({ ctx }) => listCluster(ctx) },
  {
    method: 'POST',
    pattern: path('backlogs', NAME, 'move'),
    handle: async ({ ctx, req, params }) => moveBacklog(ctx, params[0]!, await readJsonObject(req)),
  },
  {
    method: 'POST',
    pattern: path('backlogs', NAME, 'drop'),
    handle: ({ ctx, params }) => dropBacklog(ctx, params[0]!),
  },
];

function path(...segments: string[]): RegExp {
  return new RegExp(`^/admin/${segments.join('/')}$`);
}

/** Finds the route for a request under /admin/ and returns its JSON answer; 404 or 405 otherwise. */
export async function routeAdmin(
  ctx: AdminContext,
  req: IncomingMessage,
  pathname: string,
  query: URLSearchParams,
): Promise<unknown> {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  let allowed: string | undefined;
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    if (route.method !== method) {
      allowed = route.method;
      continue;
    }
    return route.handle({ ctx, req, params: match.slice(1).map(decodeSegment), query });
  }
  if (allowed) throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED', `use ${allowed} for ${pathname}`);
  throw new RelayError('RELAY_ERR_NOT_FOUND', `no such route: ${pathname}`);
}

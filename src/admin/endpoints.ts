import type { z } from 'zod';
import type { EndpointConfig } from '../config/schema.ts';
import type { StateAction } from '../dispatch/lane.ts';
import { operatorReasons } from '../dispatch/lane.ts';
import { redactUrl } from '../http/redact-url.ts';
import { iso, wholeSeconds } from './body.ts';
import { type AdminContext, configuredEndpoint } from './context.ts';
import type { endpointList, endpointView } from './schemas/endpoints.ts';

/** One endpoint as the admin API shows it (schemas/endpoints.ts). */
export type EndpointView = z.infer<typeof endpointView>;

/** `GET /admin/endpoints`: every configured endpoint, in config order. */
export async function listEndpoints(ctx: AdminContext): Promise<z.infer<typeof endpointList>> {
  const endpoints = Object.values(ctx.view().config.endpoints);
  const queues = endpoints.map((endpoint) => ctx.dispatcher.queueCounts(endpoint.name));
  const [dead, states, oldest, owners] = await Promise.all([
    ctx.store.reads.deadCounts(),
    ctx.store.endpointStates(),
    ctx.store.oldestUnfinished(endpoints.map((endpoint) => endpoint.name)),
    ctx.store.cluster.owners(ctx.clock.now()),
  ]);
  return {
    endpoints: endpoints.map((endpoint, i) =>
      describe(ctx, endpoint, queues[i]!, {
        dead: dead.get(endpoint.name) ?? 0,
        changedAt: states.get(endpoint.name)?.changedAt,
        oldest: oldest.get(endpoint.name),
        owner: owners.get(endpoint.name),
      }),
    ),
  };
}

export async function showEndpoint(ctx: AdminContext, name: string): Promise<EndpointView> {
  const endpoint = configuredEndpoint(ctx, name);
  const queue = ctx.dispatcher.queueCounts(name);
  const [dead, states, oldest, owners] = await Promise.all([
    ctx.store.reads.deadCounts(),
    ctx.store.endpointStates(),
    ctx.store.oldestUnfinished([name]),
    ctx.store.cluster.owners(ctx.clock.now()),
  ]);
  return describe(ctx, endpoint, queue, {
    dead: dead.get(name) ?? 0,
    changedAt: states.get(name)?.changedAt,
    oldest: oldest.get(name),
    owner: owners.get(name),
  });
}

/** The operator's pause, resume or enable (dispatch/lane.ts has the state machine); persisted, it survives a restart. */
export async function changeState(
  ctx: AdminContext,
  name: string,
  action: StateAction,
): Promise<EndpointView> {
  configuredEndpoint(ctx, name);
  const { from, to } = await ctx.dispatcher.changeState(name, action);
  if (to !== from) ctx.log.info({ endpoint: name, from, to }, operatorReasons[action]);
  return showEndpoint(ctx, name);
}

interface Stored {
  dead: number;
  changedAt: number | undefined;
  /** When the oldest unfinished delivery was created. */
  oldest: number | undefined;
  owner: string | undefined;
}

/**
 * `queue` is taken from memory before the store is read, as the request found
 * it: a resume's answer counts the deliveries it let go, not what the lane had
 * claimed (or sent) by the time the reads came back.
 */
function describe(
  ctx: AdminContext,
  endpoint: EndpointConfig,
  queue: { pending: number; inFlight: number },
  stored: Stored,
): EndpointView {
  const now = ctx.clock.now();
  const lane = ctx.dispatcher.lane(endpoint.name);
  const last = lane?.lastAttempt;
  return {
    name: endpoint.name,
    origin: ctx.managed.origin('endpoint', endpoint.name),
    url: redactUrl(endpoint.url),
    smtp: endpoint.email ? redactUrl(endpoint.email.smtp) : null,
    state: lane?.state ?? 'active',
    state_changed_at: iso(stored.changedAt),
    owner: stored.owner ?? null,
    circuit: lane?.circuit.state ?? 'closed',
    signing: endpoint.signing?.scheme ?? null,
    pending: queue.pending,
    in_flight: queue.inFlight,
    dead: stored.dead,
    oldest_pending_seconds: wholeSeconds(
      stored.oldest === undefined ? undefined : Math.max(0, now - stored.oldest),
    ),
    paused_until: lane && lane.pausedUntil > now ? iso(lane.pausedUntil) : null,
    last_attempt: last
      ? {
          at: iso(last.at),
          duration_ms: last.durationMs,
          status: last.status ?? null,
          error: last.error ?? null,
        }
      : null,
    per_minute: ctx.throughput.lastHour(endpoint.name),
  };
}

import type { Origin } from '../config/managed.ts';
import type { EndpointConfig } from '../config/schema.ts';
import type { CircuitState } from '../dispatch/circuit.ts';
import type { StateAction } from '../dispatch/lane.ts';
import { operatorReasons } from '../dispatch/lane.ts';
import { redactUrl } from '../http/redact-url.ts';
import type { EndpointAdminState } from '../store/store.ts';
import { iso, wholeSeconds } from './body.ts';
import { type AdminContext, configuredEndpoint } from './context.ts';
import type { PerMinute } from './throughput.ts';

/** One endpoint as the admin API shows it: never a secret, never a header value. */
export interface EndpointView {
  name: string;
  /** `file`: read-only here; `api`: made through the admin API. */
  origin: Origin;
  /** The webhook URL, or `mailto:` and the recipients of an e-mail endpoint. */
  url: string;
  /** An e-mail endpoint's SMTP server, credentials masked. */
  smtp: string | null;
  state: EndpointAdminState;
  state_changed_at: string | null;
  circuit: CircuitState;
  signing: string | null;
  pending: number;
  in_flight: number;
  dead: number;
  oldest_pending_seconds: number | null;
  /** The endpoint asked relay to wait (429/503 Retry-After) until then. */
  paused_until: string | null;
  last_attempt: { at: string; duration_ms: number; status: number | null; error: string | null } | null;
  /** Delivered and failed attempts in each of the last 60 minutes, oldest first (since relay started). */
  per_minute: PerMinute;
}

/** `GET /admin/endpoints`: every configured endpoint, in config order. */
export async function listEndpoints(ctx: AdminContext): Promise<{ endpoints: EndpointView[] }> {
  const endpoints = Object.values(ctx.view().config.endpoints);
  const [dead, states, oldest] = await Promise.all([
    ctx.store.reads.deadCounts(),
    ctx.store.endpointStates(),
    ctx.store.oldestUnfinished(endpoints.map((endpoint) => endpoint.name)),
  ]);
  return {
    endpoints: endpoints.map((endpoint) =>
      describe(ctx, endpoint, {
        dead: dead.get(endpoint.name) ?? 0,
        changedAt: states.get(endpoint.name)?.changedAt,
        oldest: oldest.get(endpoint.name),
      }),
    ),
  };
}

export async function showEndpoint(ctx: AdminContext, name: string): Promise<EndpointView> {
  const endpoint = configuredEndpoint(ctx, name);
  const [dead, states, oldest] = await Promise.all([
    ctx.store.reads.deadCounts(),
    ctx.store.endpointStates(),
    ctx.store.oldestUnfinished([name]),
  ]);
  return describe(ctx, endpoint, {
    dead: dead.get(name) ?? 0,
    changedAt: states.get(name)?.changedAt,
    oldest: oldest.get(name),
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
}

function describe(ctx: AdminContext, endpoint: EndpointConfig, stored: Stored): EndpointView {
  const now = ctx.clock.now();
  const lane = ctx.dispatcher.lane(endpoint.name);
  const queue = ctx.dispatcher.queueCounts(endpoint.name);
  const last = lane?.lastAttempt;
  return {
    name: endpoint.name,
    origin: ctx.managed.origin('endpoint', endpoint.name),
    url: redactUrl(endpoint.url),
    smtp: endpoint.email ? redactUrl(endpoint.email.smtp) : null,
    state: lane?.state ?? 'active',
    state_changed_at: iso(stored.changedAt),
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
          at: iso(last.at)!,
          duration_ms: last.durationMs,
          status: last.status ?? null,
          error: last.error ?? null,
        }
      : null,
    per_minute: ctx.throughput.lastHour(endpoint.name),
  };
}

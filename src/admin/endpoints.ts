import type { EndpointConfig } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import { redactUrl } from '../http/redact-url.ts';
import type { EndpointAdminState } from '../store/sqlite/deliveries.ts';
import { iso, wholeSeconds } from './body.ts';
import { type AdminContext, configuredEndpoint } from './context.ts';

/** One endpoint as the admin API shows it: never a secret, never a header value. */
export interface EndpointView {
  name: string;
  url: string;
  state: EndpointAdminState;
  state_changed_at: string | null;
  circuit: 'closed' | 'open' | 'half-open';
  signing: string | null;
  pending: number;
  in_flight: number;
  dead: number;
  oldest_pending_seconds: number | null;
  /** The endpoint asked relay to wait (429/503 Retry-After) until then. */
  paused_until: string | null;
  last_attempt: { at: string; duration_ms: number; status: number | null; error: string | null } | null;
}

/** `GET /admin/endpoints`: every configured endpoint, in config order. */
export function listEndpoints(ctx: AdminContext): { endpoints: EndpointView[] } {
  const dead = ctx.queries.deadCounts();
  const states = ctx.queries.endpointStates();
  return {
    endpoints: Object.values(ctx.view().config.endpoints).map((endpoint) =>
      describe(ctx, endpoint, dead.get(endpoint.name) ?? 0, states.get(endpoint.name)?.changedAt),
    ),
  };
}

export function showEndpoint(ctx: AdminContext, name: string): EndpointView {
  const endpoint = configuredEndpoint(ctx, name);
  const changedAt = ctx.queries.endpointStates().get(name)?.changedAt;
  return describe(ctx, endpoint, ctx.queries.deadCounts().get(name) ?? 0, changedAt);
}

export type StateAction = 'pause' | 'resume' | 'enable';

/**
 * The operator's transitions (a 410 Gone is the only other way in or out):
 *
 *   pause:  active → paused          (paused stays paused; disabled: 409, enable it first)
 *   resume: paused → active          (active stays active; disabled: 409, that needs enable)
 *   enable: disabled | paused → active
 *
 * Each is persisted, so it survives a restart; becoming active wakes the lane.
 */
export async function changeState(
  ctx: AdminContext,
  name: string,
  action: StateAction,
): Promise<EndpointView> {
  configuredEndpoint(ctx, name);
  const current = ctx.dispatcher.lane(name)?.state ?? 'active';
  const target = transition(name, current, action);
  if (target !== current) {
    await ctx.dispatcher.setState(name, target, reasons[action]);
    ctx.log.info({ endpoint: name, from: current, to: target }, reasons[action]);
  }
  return showEndpoint(ctx, name);
}

const reasons: Record<StateAction, string> = {
  pause: 'paused by an operator',
  resume: 'resumed by an operator',
  enable: 'enabled by an operator',
};

function transition(name: string, current: EndpointAdminState, action: StateAction): EndpointAdminState {
  if (action === 'enable') return 'active';
  if (current === 'disabled') {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `endpoint '${name}' is disabled (it answered 410 Gone): enable it instead`,
    );
  }
  return action === 'pause' ? 'paused' : 'active';
}

function describe(
  ctx: AdminContext,
  endpoint: EndpointConfig,
  dead: number,
  changedAt: number | undefined,
): EndpointView {
  const now = ctx.clock.now();
  const lane = ctx.dispatcher.lane(endpoint.name);
  const queue = ctx.dispatcher.queueOf(endpoint.name);
  const last = lane?.lastAttempt;
  return {
    name: endpoint.name,
    url: redactUrl(endpoint.url),
    state: lane?.state ?? 'active',
    state_changed_at: iso(changedAt),
    circuit: lane?.circuit.state ?? 'closed',
    signing: endpoint.signing?.scheme ?? null,
    pending: queue.pending,
    in_flight: queue.inFlight,
    dead,
    oldest_pending_seconds: wholeSeconds(queue.oldestAgeMs),
    paused_until: lane && lane.pausedUntil > now ? iso(lane.pausedUntil) : null,
    last_attempt: last
      ? {
          at: iso(last.at)!,
          duration_ms: last.durationMs,
          status: last.status ?? null,
          error: last.error ?? null,
        }
      : null,
  };
}

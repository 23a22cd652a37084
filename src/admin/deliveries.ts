import { setImmediate as nextTurn } from 'node:timers/promises';
import { RelayError } from '../errors.ts';
import type { ReplayState } from '../store/sqlite/operator.ts';
import { iso, optionalBoolean, optionalString, parseLimit, parseSince, requiredString } from './body.ts';
import { type AdminContext, configuredEndpoint, isConfigured, OPERATOR_WRITE } from './context.ts';
import { describeDelivery } from './events.ts';

/** Rows requeued per transaction: the writer is never held long enough to delay ingest. */
const BATCH = 500;
/** Delivery ids examined per step when no index narrows the scan (a replay of delivered ones). */
const SCAN_WINDOW = 5_000;
const DEFAULT_REPLAY_CAP = 10_000;
const MAX_REPLAY_CAP = 1_000_000;

/**
 * `POST /admin/deliveries/{id}/retry`: a delivered, dead or dropped delivery
 * goes back to pending, due now, its schedule started over; a pending one is
 * made due now. One being attempted right now is left alone (409).
 */
export async function retryDelivery(ctx: AdminContext, id: number) {
  const row = ctx.queries.delivery(id);
  if (!row) throw new RelayError('RELAY_ERR_NOT_FOUND', `no delivery with id ${id}`);
  if (!isConfigured(ctx, row.endpoint)) {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `endpoint '${row.endpoint}' is not in the config: move or drop its backlog instead`,
    );
  }
  const now = ctx.clock.now();
  const action = await ctx.groupCommit.run(() => {
    if (ctx.writes.requeue(id, now)) return 'requeued' as const;
    if (ctx.writes.makeDue(id, now)) return 'made_due' as const;
    return undefined;
  }, OPERATOR_WRITE);
  if (action === undefined) {
    throw new RelayError('RELAY_ERR_CONFLICT', `delivery ${id} is being attempted right now`);
  }
  ctx.dispatcher.added(row.endpoint, action === 'requeued' ? 1 : 0);
  ctx.log.info(
    { delivery: id, event: row.event_id, endpoint: row.endpoint, action },
    'delivery retried by an operator',
  );
  return {
    action,
    endpoint_state: ctx.dispatcher.lane(row.endpoint)?.state ?? 'active',
    delivery: describeDelivery(ctx, ctx.queries.delivery(id) ?? row),
  };
}

/**
 * `POST /admin/endpoints/{name}/replay`: the endpoint's dead (or, for a
 * resend, delivered) deliveries of events received since `since` go back to
 * pending, up to `limit`. `matched` counts every candidate, so a capped
 * replay says how many are left. The `webhook-id` stays the event id:
 * receivers that dedupe on it will skip what they already took.
 */
export async function replayEndpoint(ctx: AdminContext, name: string, body: Record<string, unknown>) {
  configuredEndpoint(ctx, name);
  const state = replayState(requiredString(body, 'state'));
  const sinceText = optionalString(body, 'since');
  const since = sinceText === undefined ? 0 : parseSince(sinceText, ctx.clock.now());
  const dryRun = optionalBoolean(body, 'dry_run') ?? false;
  const limit = parseLimit(body.limit, 'limit', DEFAULT_REPLAY_CAP, MAX_REPLAY_CAP);

  // Deliveries created while this runs are not candidates: stop at today's last id.
  const last = ctx.writes.lastDeliveryId();
  let after = 0;
  let matched = 0;
  let requeued = 0;
  while (after < last) {
    // Dead ones have their own index, so any range is cheap; delivered ones are scanned a window at a time.
    const upTo = state === 'dead' ? last : Math.min(last, after + SCAN_WINDOW);
    const ids = ctx.writes.replayCandidates(state, name, since, { after, upTo }, BATCH);
    after = ids.length === BATCH ? ids.at(-1)! : upTo;
    matched += ids.length;
    const take = dryRun ? [] : ids.slice(0, limit - requeued);
    if (take.length === 0) {
      await nextTurn();
      continue;
    }
    const now = ctx.clock.now();
    const n = await ctx.groupCommit.run(
      () => take.filter((id) => ctx.writes.requeue(id, now)).length,
      OPERATOR_WRITE,
    );
    requeued += n;
    ctx.dispatcher.added(name, n);
  }
  if (!dryRun) ctx.log.info({ endpoint: name, state, since, matched, requeued }, 'replay by an operator');
  return { endpoint: name, state, since: iso(since || null), dry_run: dryRun, limit, matched, requeued };
}

function replayState(value: string): ReplayState {
  if (value === 'dead' || value === 'delivered') return value;
  throw new RelayError('RELAY_ERR_BAD_REQUEST', 'state must be "dead" or "delivered"');
}

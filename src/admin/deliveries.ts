import type { z } from 'zod';
import { RelayError } from '../errors.ts';
import { iso, parseSince } from './body.ts';
import { type AdminContext, configuredEndpoint, isConfigured } from './context.ts';
import { describeDelivery } from './events.ts';
import type { replayAnswer, replayBody } from './schemas/endpoints.ts';
import type { retryAnswer } from './schemas/events.ts';

const DEFAULT_REPLAY_CAP = 10_000;

/**
 * `POST /admin/deliveries/{id}/retry`: a delivered, dead or dropped delivery
 * goes back to pending, due now, its schedule started over; a pending one is
 * made due now. One being attempted right now is left alone (409).
 */
export async function retryDelivery(ctx: AdminContext, id: number): Promise<z.infer<typeof retryAnswer>> {
  const before = await ctx.store.reads.delivery(id);
  if (!before) throw new RelayError('RELAY_ERR_NOT_FOUND', `no delivery with id ${id}`);
  if (!isConfigured(ctx, before.endpoint)) {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `endpoint '${before.endpoint}' is not in the config: move or drop its backlog instead`,
    );
  }
  const action = await ctx.backlog.writing([before.endpoint], () =>
    ctx.store.operator.retry(id, ctx.clock.now()),
  );
  if (action === undefined) {
    throw new RelayError('RELAY_ERR_CONFLICT', `delivery ${id} is being attempted right now`);
  }
  ctx.dispatcher.added(before.endpoint, action === 'requeued' ? 1 : 0);
  ctx.log.info(
    { delivery: id, event: before.eventId, endpoint: before.endpoint, action },
    'delivery retried by an operator',
  );
  return {
    action,
    endpoint_state: ctx.dispatcher.lane(before.endpoint)?.state ?? 'active',
    delivery: describeDelivery((await ctx.store.reads.delivery(id)) ?? before),
  };
}

/**
 * `POST /admin/endpoints/{name}/replay`: the endpoint's dead (or, for a
 * resend, delivered) deliveries of events received since `since` go back to
 * pending, up to `limit`. `matched` counts every candidate, so a capped
 * replay says how many are left. The `webhook-id` stays the event id:
 * receivers that dedupe on it will skip what they already took.
 */
export async function replayEndpoint(
  ctx: AdminContext,
  name: string,
  body: z.infer<typeof replayBody>,
): Promise<z.infer<typeof replayAnswer>> {
  configuredEndpoint(ctx, name);
  const { state } = body;
  const since = body.since === undefined ? 0 : parseSince(body.since, ctx.clock.now());
  const dryRun = body.dry_run ?? false;
  const limit = body.limit ?? DEFAULT_REPLAY_CAP;
  const { matched, requeued } = await ctx.backlog.writing([name], () =>
    ctx.store.operator.replay({ endpoint: name, state, since, limit, dryRun }, ctx.clock.now()),
  );
  ctx.dispatcher.added(name, requeued);
  if (!dryRun) ctx.log.info({ endpoint: name, state, since, matched, requeued }, 'replay by an operator');
  return { endpoint: name, state, since: iso(since || null), dry_run: dryRun, limit, matched, requeued };
}

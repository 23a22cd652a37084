import type { z } from 'zod';
import { RelayError } from '../errors.ts';
import { wholeSeconds } from './body.ts';
import { type AdminContext, configuredEndpoint, isConfigured } from './context.ts';
import type { backlogList, dropAnswer, moveAnswer, moveBody } from './schemas/backlogs.ts';

/**
 * Held backlogs: unfinished deliveries of endpoints the running config does
 * not name (fan-out is fixed when an event is stored, so removing an endpoint
 * leaves them behind). The dispatcher never sends them; they wait until the
 * endpoint comes back or an operator moves or drops them. Only pending ones
 * are moved or dropped: one still in flight finishes its attempt first.
 */
export async function listBacklogs(ctx: AdminContext): Promise<z.infer<typeof backlogList>> {
  const held = [...(await ctx.store.unfinishedCounts()).keys()].filter((name) => !isConfigured(ctx, name));
  const oldest = await ctx.store.oldestUnfinished(held);
  const now = ctx.clock.now();
  return {
    backlogs: held.map((name) => {
      const queue = ctx.dispatcher.queueCounts(name);
      const created = oldest.get(name);
      return {
        endpoint: name,
        pending: queue.pending,
        in_flight: queue.inFlight,
        oldest_pending_seconds: wholeSeconds(created === undefined ? undefined : Math.max(0, now - created)),
      };
    }),
  };
}

/**
 * `POST /admin/backlogs/{name}/move` `{"to": "endpoint"}`: the held pending
 * deliveries go to a configured endpoint, due now. An event that already has
 * a delivery to the target is not sent twice: that held delivery is dropped.
 */
export async function moveBacklog(
  ctx: AdminContext,
  name: string,
  { to }: z.infer<typeof moveBody>,
): Promise<z.infer<typeof moveAnswer>> {
  heldBacklog(ctx, name);
  configuredEndpoint(ctx, to);
  const { moved, dropped } = await ctx.backlog.writing([name, to], () =>
    ctx.store.operator.moveBacklog(name, to, ctx.clock.now()),
  );
  ctx.backlog.remove(name, moved + dropped);
  ctx.dispatcher.added(to, moved);
  ctx.log.info({ endpoint: name, to, moved, dropped }, 'held backlog moved by an operator');
  return { endpoint: name, to, moved, dropped, in_flight: ctx.dispatcher.lane(name)?.inFlight ?? 0 };
}

/** `POST /admin/backlogs/{name}/drop`: the held pending deliveries are marked `dropped` (kept, finished now). */
export async function dropBacklog(ctx: AdminContext, name: string): Promise<z.infer<typeof dropAnswer>> {
  heldBacklog(ctx, name);
  const dropped = await ctx.backlog.writing([name], () =>
    ctx.store.operator.dropBacklog(name, ctx.clock.now()),
  );
  ctx.backlog.remove(name, dropped);
  ctx.log.info({ endpoint: name, dropped }, 'held backlog dropped by an operator');
  return { endpoint: name, dropped, in_flight: ctx.dispatcher.lane(name)?.inFlight ?? 0 };
}

function heldBacklog(ctx: AdminContext, name: string): void {
  if (isConfigured(ctx, name)) {
    throw new RelayError(
      'RELAY_ERR_CONFLICT',
      `endpoint '${name}' is in the config: its deliveries are not held (use replay or pause instead)`,
    );
  }
  if (ctx.backlog.of(name) <= 0) {
    throw new RelayError('RELAY_ERR_NOT_FOUND', `no held backlog for '${name}'`);
  }
}

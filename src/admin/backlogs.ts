import { RelayError } from '../errors.ts';
import { requiredString, wholeSeconds } from './body.ts';
import { type AdminContext, configuredEndpoint, isConfigured, OPERATOR_WRITE } from './context.ts';

/** Deliveries changed per transaction: the writer is never held long enough to delay ingest. */
const BATCH = 500;

/**
 * Held backlogs: unfinished deliveries of endpoints the running config does
 * not name (fan-out is fixed when an event is stored, so removing an endpoint
 * leaves them behind). The dispatcher never sends them; they wait until the
 * endpoint comes back or an operator moves or drops them. Only pending ones
 * are moved or dropped: one still in flight finishes its attempt first.
 */
export function listBacklogs(ctx: AdminContext) {
  return {
    backlogs: ctx.queries
      .endpointsWithBacklog()
      .filter((name) => !isConfigured(ctx, name))
      .map((name) => {
        const queue = ctx.dispatcher.queueOf(name);
        return {
          endpoint: name,
          pending: queue.pending,
          in_flight: queue.inFlight,
          oldest_pending_seconds: wholeSeconds(queue.oldestAgeMs),
        };
      }),
  };
}

/**
 * `POST /admin/backlogs/{name}/move` `{"to": "endpoint"}`: the held pending
 * deliveries go to a configured endpoint, due now. An event that already has
 * a delivery to the target is not sent twice: that held delivery is dropped.
 */
export async function moveBacklog(ctx: AdminContext, name: string, body: Record<string, unknown>) {
  heldBacklog(ctx, name);
  const to = requiredString(body, 'to');
  configuredEndpoint(ctx, to);
  let moved = 0;
  let dropped = 0;
  for (;;) {
    const now = ctx.clock.now();
    const batch = await ctx.groupCommit.run(() => ctx.writes.moveBatch(name, to, now, BATCH), OPERATOR_WRITE);
    ctx.backlog.remove(name, batch.moved + batch.dropped);
    ctx.dispatcher.added(to, batch.moved);
    moved += batch.moved;
    dropped += batch.dropped;
    if (batch.moved + batch.dropped < BATCH) break;
  }
  ctx.log.info({ endpoint: name, to, moved, dropped }, 'held backlog moved by an operator');
  return { endpoint: name, to, moved, dropped, in_flight: ctx.dispatcher.lane(name)?.inFlight ?? 0 };
}

/** `POST /admin/backlogs/{name}/drop`: the held pending deliveries are marked `dropped` (kept, finished now). */
export async function dropBacklog(ctx: AdminContext, name: string) {
  heldBacklog(ctx, name);
  let dropped = 0;
  for (;;) {
    const now = ctx.clock.now();
    const n = await ctx.groupCommit.run(() => ctx.writes.dropBatch(name, now, BATCH), OPERATOR_WRITE);
    ctx.backlog.remove(name, n);
    dropped += n;
    if (n < BATCH) break;
  }
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

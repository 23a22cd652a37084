import { setImmediate as nextTurn } from 'node:timers/promises';
import type { z } from 'zod';
import { RELAY_SOURCE } from '../ingest/relay-source.ts';
import type { RoutingTable } from '../routing/match.ts';
import { bodyKind, mediaType, parsePayload } from '../routing/payload.ts';
import type { StoredEvent } from '../store/store.ts';
import { iso, parseSince } from './body.ts';
import { type AdminContext, configuredEndpoint } from './context.ts';
import type { backfillAnswer, backfillBody } from './schemas/endpoints.ts';

/** Events read per step, bodies included (up to `limits.body` each): kept small for memory and the writer. */
const BATCH = 100;

/**
 * `POST /admin/endpoints/{name}/backfill` `{"since": "24h"}`: for an endpoint
 * added after the fact, every stored event received since then that today's
 * routes send to it gets a pending delivery. Each event is routed again as
 * ingest would (its stored source and type, its body parsed by its content
 * type). The store keeps one delivery per event and endpoint, so running it
 * twice, or over events that already reached the endpoint, creates nothing.
 */
export async function backfillEndpoint(
  ctx: AdminContext,
  name: string,
  body: z.infer<typeof backfillBody>,
): Promise<z.infer<typeof backfillAnswer>> {
  configuredEndpoint(ctx, name);
  const startedAt = ctx.clock.now();
  const since = parseSince(body.since, startedAt);
  let after: { receivedAt: number; id: string } | undefined;
  let examined = 0;
  let matched = 0;
  let created = 0;
  for (;;) {
    const rows = await ctx.store.reads.eventsSince(since, after, BATCH);
    // Events arriving now were routed by ingest already: stop at the start time.
    const events = rows.filter((row) => row.receivedAt <= startedAt);
    const last = rows.at(-1);
    if (last) after = { receivedAt: last.receivedAt, id: last.id };
    examined += events.length;
    const { routing } = ctx.view();
    const ids = events.filter((event) => routesTo(routing, event, name)).map((event) => event.id);
    matched += ids.length;
    if (ids.length > 0) {
      const now = ctx.clock.now();
      const n = await ctx.backlog.writing([name], () => ctx.store.operator.addDeliveries(name, ids, now));
      created += n;
      ctx.dispatcher.added(name, n);
    } else {
      await nextTurn();
    }
    if (rows.length < BATCH || events.length < rows.length) break;
  }
  ctx.log.info({ endpoint: name, since, examined, matched, created }, 'backfill by an operator');
  return { endpoint: name, since: iso(since), examined, matched, created };
}

function routesTo(routing: RoutingTable, event: StoredEvent, endpoint: string): boolean {
  const payload = payloadOf(event);
  // An operational event about an endpoint never goes to that same endpoint (as when it was emitted).
  if (
    event.source === RELAY_SOURCE &&
    (payload as { endpoint?: unknown } | undefined)?.endpoint === endpoint
  ) {
    return false;
  }
  return routing.endpointsFor({ source: event.source, type: event.type, payload }).includes(endpoint);
}

function payloadOf(event: StoredEvent): unknown {
  try {
    return parsePayload(event.body, bodyKind(mediaType(event.contentType)));
  } catch {
    // Stored bodies passed this parse at ingest; one that no longer does is routed on source and type only.
    return undefined;
  }
}

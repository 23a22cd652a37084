import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { RelayError } from '../errors.ts';
import {
  type DeliveryDetail,
  type DeliveryState,
  deliveryStates,
  type EventPosition,
} from '../store/store.ts';
import { iso, parseLimit, parseSince } from './body.ts';
import type { AdminContext } from './context.ts';
import type { deliveryDetail, eventDetail, eventList } from './schemas/events.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * `GET /admin/events`: newest first, filtered by the event's source and type
 * and by its deliveries' state and endpoint. `next_cursor` is opaque (the
 * keyset of the page's last row) and absent on the last page, so pages never
 * shift while new events arrive.
 */
export async function listEvents(
  ctx: AdminContext,
  query: URLSearchParams,
): Promise<z.infer<typeof eventList>> {
  const limit = parseLimit(query.get('limit'), 'limit', DEFAULT_LIMIT, MAX_LIMIT);
  const since = query.get('since');
  const rows = await ctx.store.reads.listEvents({
    since: since ? parseSince(since, ctx.clock.now()) : 0,
    source: query.get('source') || undefined,
    type: query.get('type') || undefined,
    state: parseState(query.get('state')),
    endpoint: query.get('endpoint') || undefined,
    before: decodeCursor(query.get('cursor')),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map((row) => ({
      id: row.id,
      source: row.source,
      type: row.type,
      received_at: iso(row.receivedAt),
      content_type: row.contentType ?? null,
      size: row.size,
      deliveries: row.deliveries.map((d) => ({
        id: d.id,
        endpoint: d.endpoint,
        state: d.state,
        attempt_count: d.attempts,
      })),
      held_by: row.heldBy,
    })),
    ...(rows.length > limit && last
      ? { next_cursor: encodeCursor({ receivedAt: last.receivedAt, id: last.id }) }
      : {}),
  };
}

/** `GET /admin/events/{id}`: the event with its body, its deliveries and every attempt. */
export async function showEvent(ctx: AdminContext, id: string): Promise<z.infer<typeof eventDetail>> {
  const event = await ctx.store.reads.event(id);
  if (!event) throw new RelayError('RELAY_ERR_NOT_FOUND', `no event with id '${id}'`);
  const text = isUtf8(event.body);
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    received_at: iso(event.receivedAt),
    content_type: event.contentType ?? null,
    size: event.body.length,
    body_encoding: text ? 'utf8' : 'base64',
    body: event.body.toString(text ? 'utf8' : 'base64'),
    deliveries: (await ctx.store.reads.deliveriesOf(id)).map(describeDelivery),
    /** Routes whose threshold held the event back from their endpoints, and why. */
    held: await ctx.store.reads.holdsOf(id),
  };
}

export function describeDelivery(d: DeliveryDetail): z.infer<typeof deliveryDetail> {
  return {
    id: d.id,
    event_id: d.eventId,
    endpoint: d.endpoint,
    state: d.state,
    attempt_count: d.attempts,
    created_at: iso(d.createdAt),
    next_attempt_at: d.state === 'pending' ? iso(d.nextAttemptAt) : null,
    finished_at: iso(d.finishedAt),
    last_status: d.lastStatus ?? null,
    last_error: d.lastError ?? null,
    attempts: d.attemptLog.map((a) => ({
      n: a.n,
      started_at: iso(a.startedAt),
      duration_ms: a.durationMs,
      status: a.status ?? null,
      error: a.error ?? null,
      response: a.response ? a.response.toString('utf8') : null,
    })),
  };
}

function parseState(value: string | null): DeliveryState | undefined {
  if (!value) return undefined;
  if (!(deliveryStates as readonly string[]).includes(value)) {
    throw new RelayError('RELAY_ERR_BAD_REQUEST', `state must be one of ${deliveryStates.join(', ')}`);
  }
  return value as DeliveryState;
}

function encodeCursor(position: EventPosition): string {
  return Buffer.from(JSON.stringify([position.receivedAt, position.id])).toString('base64url');
}

function decodeCursor(value: string | null): EventPosition | undefined {
  if (!value) return undefined;
  try {
    const [receivedAt, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(receivedAt) && typeof id === 'string')
      return { receivedAt: receivedAt as number, id };
  } catch {
    // Reported below.
  }
  throw new RelayError('RELAY_ERR_BAD_REQUEST', 'cursor is not one this API returned');
}

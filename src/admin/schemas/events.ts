import { z } from 'zod';
import { isoTime, isoTimeOrNull } from './common.ts';

const deliveryState = z.enum(['pending', 'in_flight', 'delivered', 'dead', 'dropped']);

/** What a listed event and a shown one both say about it. */
const eventFields = {
  id: z.string(),
  source: z.string(),
  type: z.string(),
  received_at: isoTime,
  content_type: z.string().nullable(),
  size: z.int(),
};

export const eventList = z.object({
  events: z.array(
    z.object({
      ...eventFields,
      deliveries: z.array(
        z.object({ id: z.int(), endpoint: z.string(), state: deliveryState, attempt_count: z.int() }),
      ),
      /** Routes whose threshold held the event back from their endpoints. */
      held_by: z.array(z.string()),
    }),
  ),
  /** Opaque; absent on the last page. */
  next_cursor: z.string().optional(),
});

export const deliveryDetail = z.object({
  id: z.int(),
  event_id: z.string(),
  endpoint: z.string(),
  state: deliveryState,
  attempt_count: z.int(),
  created_at: isoTime,
  next_attempt_at: isoTimeOrNull,
  finished_at: isoTimeOrNull,
  last_status: z.int().nullable(),
  last_error: z.string().nullable(),
  attempts: z.array(
    z.object({
      n: z.int(),
      started_at: isoTime,
      duration_ms: z.number(),
      status: z.int().nullable(),
      error: z.string().nullable(),
      response: z.string().nullable(),
    }),
  ),
});

export const eventDetail = z.object({
  ...eventFields,
  body_encoding: z.enum(['utf8', 'base64']),
  body: z.string(),
  deliveries: z.array(deliveryDetail),
  /** Routes whose threshold held the event back, and why. */
  held: z.array(z.object({ route: z.string(), reason: z.string() })),
});

export const retryAnswer = z.object({
  /** `requeued`: a finished delivery is pending again; `made_due`: a pending one is due now. */
  action: z.enum(['requeued', 'made_due']),
  endpoint_state: z.enum(['active', 'paused', 'disabled']),
  delivery: deliveryDetail,
});

import { z } from 'zod';
import { isoTime } from './common.ts';

const delivery = { endpoint: z.string(), delivery_id: z.int(), event_id: z.string() };

/**
 * `GET /admin/stream`: Server-Sent Events; this is one event's `data:` line
 * (its `event:` line names which: event.received, delivery.attempted,
 * delivery.completed, endpoint.state).
 */
export const streamEvent = z.union([
  z.object({
    event_id: z.string(),
    source: z.string(),
    type: z.string(),
    received_at: isoTime,
    endpoints: z.array(z.string()),
  }),
  z.object({
    ...delivery,
    attempt: z.int(),
    status: z.int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.int(),
  }),
  z.object({
    ...delivery,
    result: z.enum(['delivered', 'retry', 'dead', 'paused', 'gone', 'cancelled']),
    next_attempt_at: isoTime.optional(),
    paused_until: isoTime.optional(),
  }),
  z.object({ endpoint: z.string(), from: z.string(), to: z.string(), reason: z.string().nullable() }),
]);

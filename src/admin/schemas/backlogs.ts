import { z } from 'zod';
import { text } from './common.ts';

export const backlogList = z.object({
  backlogs: z.array(
    z.object({
      endpoint: z.string(),
      pending: z.int(),
      in_flight: z.int(),
      oldest_pending_seconds: z.int().nullable(),
    }),
  ),
});

/** `POST /admin/backlogs/{name}/move`: the configured endpoint that takes the held deliveries. */
export const moveBody = z.strictObject({ to: text });

export const moveAnswer = z.object({
  endpoint: z.string(),
  to: z.string(),
  moved: z.int(),
  /** Held deliveries of events the target already had one for. */
  dropped: z.int(),
  in_flight: z.int(),
});

export const dropAnswer = z.object({ endpoint: z.string(), dropped: z.int(), in_flight: z.int() });

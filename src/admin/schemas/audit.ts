import { z } from 'zod';
import { isoTime } from './common.ts';

export const auditList = z.object({
  entries: z.array(
    z.object({
      id: z.int(),
      at: isoTime,
      /** The token's name (`loopback` without tokens, `relay` for relay's own changes). */
      actor: z.string(),
      action: z.string(),
      target: z.string().nullable(),
      /** The request's `X-Relay-Reason` header. */
      reason: z.string().nullable(),
      /** `ok`, or the error code that refused the change. */
      outcome: z.string(),
      detail: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  /** Opaque; absent on the last page. */
  next_cursor: z.string().optional(),
});

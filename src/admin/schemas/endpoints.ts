import { z } from 'zod';
import { isoTime, isoTimeOrNull, limit, since, text } from './common.ts';

/** One endpoint as the admin API shows it: never a secret, never a header value. */
export const endpointView = z.object({
  name: z.string(),
  /** `file`: read-only here; `api`: made through the admin API. */
  origin: z.enum(['file', 'api']),
  /** The webhook URL, or `mailto:` and the recipients of an e-mail endpoint. */
  url: z.string(),
  /** An e-mail endpoint's SMTP server, credentials masked. */
  smtp: z.string().nullable(),
  state: z.enum(['active', 'paused', 'disabled']),
  state_changed_at: isoTimeOrNull,
  /** The relay whose lease runs this endpoint's lane (PostgreSQL); null on SQLite or while none holds it. */
  owner: z.string().nullable(),
  circuit: z.enum(['closed', 'open', 'half-open']),
  signing: z.string().nullable(),
  pending: z.int(),
  in_flight: z.int(),
  dead: z.int(),
  oldest_pending_seconds: z.int().nullable(),
  /** The endpoint asked relay to wait (429/503 Retry-After) until then. */
  paused_until: isoTimeOrNull,
  last_attempt: z
    .object({
      at: isoTime,
      duration_ms: z.number(),
      status: z.int().nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
  /** Delivered and failed attempts in each of the last 60 minutes, oldest first (since relay started). */
  per_minute: z.object({ delivered: z.array(z.int()), failed: z.array(z.int()) }),
});

export const endpointList = z.object({ endpoints: z.array(endpointView) });

/** `POST /admin/endpoints/{name}/test`: a sample of this event type, when a source has one. */
export const testBody = z.strictObject({ type: text.optional() });

export const testResult = z.object({
  endpoint: z.string(),
  /** The `webhook-id` the sample was sent with (a fresh one each time, so dedupe never hides a test). */
  event_id: z.string(),
  type: z.string(),
  /** True when the answer counts as a success for this endpoint (2xx, or its `success` list). */
  ok: z.boolean(),
  status: z.int().nullable(),
  duration_ms: z.int(),
  /** The first bytes of the answer as text (at most 4 KiB). */
  response: z.string().nullable(),
  /** Why no answer came: `timeout`, or undici's / the OS's error code. */
  error: z.string().nullable(),
});

export const MAX_REPLAY_CAP = 1_000_000;

export const replayBody = z.strictObject({
  state: z.enum(['dead', 'delivered']),
  since: since.optional(),
  dry_run: z.boolean().optional(),
  /** At most this many deliveries go back to pending (default 10,000). */
  limit: limit(MAX_REPLAY_CAP).optional(),
});

export const replayAnswer = z.object({
  endpoint: z.string(),
  state: z.enum(['dead', 'delivered']),
  since: isoTimeOrNull,
  dry_run: z.boolean(),
  limit: z.int(),
  /** Every candidate, so a capped replay says how many are left. */
  matched: z.int(),
  requeued: z.int(),
});

export const backfillBody = z.strictObject({ since });

export const backfillAnswer = z.object({
  endpoint: z.string(),
  since: isoTime,
  examined: z.int(),
  matched: z.int(),
  created: z.int(),
});

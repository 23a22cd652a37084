import type { z } from 'zod';
import { sendAttempt } from '../dispatch/attempt.ts';
import { isSuccess } from '../dispatch/classify.ts';
import { RelayError } from '../errors.ts';
import { newEventId } from '../ingest/event-id.ts';
import { bodyKind, mediaType, parsePayload } from '../routing/payload.ts';
import { type AdminContext, configuredEndpoint } from './context.ts';
import type { testResult } from './schemas/endpoints.ts';

const TEST_EVENT_TYPE = 'relay.test';
const TEST_SOURCE = 'relay';

interface Sample {
  source: string;
  type: string;
  contentType: string;
  body: string;
}

/**
 * A `sample` of a source whose routes reach this endpoint (of the asked
 * type, when one is asked for): what the provider would really send.
 */
function sampleFor(ctx: AdminContext, endpoint: string, type: string | undefined): Sample | undefined {
  const { config, routing } = ctx.view();
  for (const source of Object.values(config.sources)) {
    for (const sample of source.samples ?? []) {
      if (type !== undefined && sample.type !== type) continue;
      let payload: unknown;
      try {
        // Parsed as ingest parses a body of its content type, so the test routes as the real event would.
        payload = parsePayload(Buffer.from(sample.body), bodyKind(mediaType(sample.content_type)));
      } catch {
        payload = undefined;
      }
      if (routing.endpointsFor({ source: source.name, type: sample.type, payload }).includes(endpoint)) {
        return {
          source: source.name,
          type: sample.type,
          contentType: sample.content_type,
          body: sample.body,
        };
      }
    }
  }
  return undefined;
}

function genericSample(endpoint: string, type: string | undefined, eventId: string, now: number): Sample {
  const eventType = type ?? TEST_EVENT_TYPE;
  return {
    source: TEST_SOURCE,
    type: eventType,
    contentType: 'application/json',
    body: JSON.stringify({
      type: eventType,
      test: true,
      id: eventId,
      endpoint,
      sent_at: new Date(now).toISOString(),
      message: 'A test event from relay. It was not stored and will not be retried.',
    }),
  };
}

export type TestResult = z.infer<typeof testResult>;

/**
 * The providers' "Test webhooks" button: a sample event sent through the
 * real path (the endpoint's signing, headers, pool and timeout), whatever
 * the endpoint's state. It is not stored, not retried and not counted in
 * the ingest or delivery metrics: it is a probe, not an event.
 */
export async function sendTestEvent(
  ctx: AdminContext,
  name: string,
  type: string | undefined,
): Promise<TestResult> {
  const endpoint = configuredEndpoint(ctx, name);
  const lane = ctx.dispatcher.lane(name);
  if (!lane) throw new RelayError('RELAY_ERR_UNAVAILABLE', `endpoint '${name}' has no lane yet; try again`);
  const now = ctx.clock.now();
  const eventId = newEventId();
  const sample = sampleFor(ctx, name, type) ?? genericSample(name, type, eventId, now);
  const message = {
    eventId,
    source: sample.source,
    type: sample.type,
    contentType: sample.contentType,
    body: Buffer.from(sample.body),
    attempts: 0,
  };
  // One admin request: its own timer is fine here (the dispatcher sweeps its attempts instead).
  const result = await sendAttempt(lane, message, now, ctx.userAgent, AbortSignal.timeout(endpoint.timeout));
  const status = result.status ?? null;
  return {
    endpoint: name,
    event_id: eventId,
    type: sample.type,
    ok: status !== null && isSuccess(status, endpoint.success),
    status,
    duration_ms: Math.round(result.durationMs),
    response: result.response ? result.response.toString('utf8') : null,
    error: result.error ?? null,
  };
}

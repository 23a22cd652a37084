import { randomUUIDv7 } from 'node:crypto';
import { buildRequest } from '../dispatch/request.ts';
import { send } from '../dispatch/send.ts';
import { RelayError } from '../errors.ts';
import { type AdminContext, configuredEndpoint } from './context.ts';

export const TEST_EVENT_TYPE = 'relay.test';
const TEST_SOURCE = 'relay';

export interface TestResult {
  endpoint: string;
  /** The `webhook-id` the sample was sent with (a fresh one each time, so dedupe never hides a test). */
  event_id: string;
  type: string;
  /** True when the answer counts as a success for this endpoint (2xx, or its `success` list). */
  ok: boolean;
  status: number | null;
  duration_ms: number;
  /** The first bytes of the answer as text (at most 4 KiB). */
  response: string | null;
  /** Why no answer came: `timeout`, or undici's / the OS's error code. */
  error: string | null;
}

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
  const eventType = type ?? TEST_EVENT_TYPE;
  const now = ctx.clock.now();
  const eventId = `evt_${randomUUIDv7()}`;
  const body = Buffer.from(
    JSON.stringify({
      type: eventType,
      test: true,
      id: eventId,
      endpoint: name,
      sent_at: new Date(now).toISOString(),
      message: 'A test event from relay. It was not stored and will not be retried.',
    }),
  );
  const request = buildRequest(
    endpoint,
    {
      id: 0,
      event_id: eventId,
      endpoint: name,
      attempts: 0,
      step: 0,
      created_at: now,
      source: TEST_SOURCE,
      type: eventType,
      content_type: 'application/json',
      body,
    },
    now,
    ctx.userAgent,
  );
  const url = new URL(endpoint.url);
  const result = await send(lane.pool, {
    path: url.pathname + url.search,
    headers: request.headers,
    body: request.body,
    timeoutMs: endpoint.timeout,
    signal: new AbortController().signal,
  });
  const status = result.status ?? null;
  return {
    endpoint: name,
    event_id: eventId,
    type: eventType,
    ok:
      status !== null &&
      (endpoint.success ? endpoint.success.includes(status) : status >= 200 && status < 300),
    status,
    duration_ms: Math.round(result.durationMs),
    response: result.response ? result.response.toString('utf8') : null,
    error: result.error ?? null,
  };
}

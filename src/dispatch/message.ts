import type { EndpointConfig } from '../config/schema.ts';
import { signDelivery } from '../signing/outbound.ts';
import type { ClaimedDelivery } from '../store/sqlite/deliveries.ts';

/**
 * The headers and body of one attempt. The endpoint's own headers go first so
 * they can never replace the protocol's: `webhook-id` is the event id (the same
 * on every retry and replay, for receivers that dedupe), `webhook-timestamp`
 * is this attempt's time.
 */
export function buildRequest(
  endpoint: EndpointConfig,
  delivery: ClaimedDelivery,
  nowMs: number,
  userAgent: string,
): { headers: Record<string, string>; body: Buffer } {
  const timestampSec = Math.floor(nowMs / 1000);
  const contentType = delivery.content_type ?? undefined;
  const signed = signDelivery(endpoint.signing, {
    id: delivery.event_id,
    timestampSec,
    body: delivery.body,
    contentType,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = value;
  if (contentType !== undefined) headers['content-type'] = contentType;
  headers['user-agent'] = userAgent;
  headers['webhook-id'] = delivery.event_id;
  headers['webhook-timestamp'] = String(timestampSec);
  headers['x-relay-source'] = delivery.source;
  headers['x-relay-type'] = delivery.type;
  headers['x-relay-attempt'] = String(delivery.attempts + 1);
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { headers, body: signed.body };
}

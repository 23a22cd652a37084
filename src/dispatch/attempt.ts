import type { Lane } from './lane.ts';
import { buildRequest, type OutboundMessage } from './message.ts';
import { type SendResult, send } from './send.ts';

/**
 * One request to a lane's endpoint through its pool, signed, with its
 * headers, bounded by `signal`: what the dispatcher sends for a claimed
 * delivery and the admin API's test button sends for a sample.
 */
export function sendAttempt(
  lane: Lane,
  message: OutboundMessage,
  startedAt: number,
  userAgent: string,
  signal: AbortSignal,
): Promise<SendResult> {
  const endpoint = lane.endpoint;
  const request = buildRequest(endpoint, message, startedAt, userAgent);
  return send(lane.pool, {
    path: lane.path,
    headers: request.headers,
    body: request.body,
    timeoutMs: endpoint.timeout,
    signal,
  });
}

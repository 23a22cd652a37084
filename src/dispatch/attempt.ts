import type { Lane } from './lane.ts';
import { composeMail } from './mail/compose.ts';
import { sendMail } from './mail/send.ts';
import { buildRequest, type OutboundMessage } from './message.ts';
import { type SendResult, send } from './send.ts';

/**
 * One attempt at a lane's endpoint, bounded by `signal`: a signed request
 * through its pool, or for an e-mail endpoint a mail through its SMTP pool.
 * What the dispatcher sends for a claimed delivery and the admin API's test
 * button sends for a sample.
 */
export function sendAttempt(
  lane: Lane,
  message: OutboundMessage,
  startedAt: number,
  userAgent: string,
  signal: AbortSignal,
): Promise<SendResult> {
  const { endpoint, connection } = lane;
  if (connection.kind === 'mail') {
    const mail = composeMail(endpoint.name, connection.email, message, startedAt);
    return sendMail(connection.transport, mail, signal);
  }
  const request = buildRequest(endpoint, message, startedAt, userAgent);
  return send(connection.pool, {
    path: connection.path,
    headers: request.headers,
    body: request.body,
    timeoutMs: endpoint.timeout,
    signal,
  });
}

import { noAnswerYet, RESPONSE_CAP_BYTES, type SendResult } from '../send.ts';
import type { ComposedMail } from './compose.ts';
import type { MailTransport } from './transport.ts';

interface SmtpError {
  code?: unknown;
  /** The system error's code (ECONNREFUSED) where nodemailer put its own (ESOCKET) in `code`. */
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/**
 * One mail through the endpoint's SMTP pool, as a SendResult: `status` is
 * the server's SMTP reply code (250 when it took the mail; 4yz or 5yz when
 * it refused it) and `response` its reply text. Like a webhook attempt,
 * `error` is `timeout` or `cancelled` when the signal ended it, else the
 * failure's code: nodemailer's for a refusal (EENVELOPE, EMESSAGE, EAUTH),
 * the system's when no answer came (ECONNREFUSED, RELAY_ERR_PRIVATE_ADDRESS).
 * A mail some recipients refused still counts as sent: sending it again
 * would repeat it to the others.
 */
export async function sendMail(
  transport: MailTransport,
  mail: ComposedMail,
  signal: AbortSignal,
): Promise<SendResult> {
  const started = performance.now();
  const result = noAnswerYet();
  try {
    const info = (await transport.sendMail({ ...mail, signal })) as { response?: unknown };
    const reply = typeof info.response === 'string' ? info.response : '250';
    result.status = replyCode(reply) ?? 250;
    result.response = capped(reply);
  } catch (error) {
    const failure = (error ?? {}) as SmtpError;
    if (signal.aborted) {
      result.error = signal.reason === 'cancelled' ? 'cancelled' : 'timeout';
    } else if (typeof failure.responseCode === 'number') {
      result.status = failure.responseCode;
      result.error = typeof failure.code === 'string' ? failure.code : 'EMESSAGE';
      if (typeof failure.response === 'string') result.response = capped(failure.response);
    } else {
      const code = [failure.originalCode, failure.code].find((c) => typeof c === 'string');
      // nodemailer's own timeouts are backstops of the signal's: the same `timeout` either way.
      result.error = code === 'ETIMEDOUT' ? 'timeout' : ((code as string | undefined) ?? 'ECONNECTION');
    }
  }
  result.durationMs = performance.now() - started;
  return result;
}

function replyCode(reply: string): number | undefined {
  const match = /^([2-5]\d\d)\b/.exec(reply);
  return match ? Number(match[1]) : undefined;
}

function capped(text: string): Buffer {
  const bytes = Buffer.from(text);
  return bytes.length > RESPONSE_CAP_BYTES ? bytes.subarray(0, RESPONSE_CAP_BYTES) : bytes;
}

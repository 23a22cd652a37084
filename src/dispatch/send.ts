import type { Dispatcher as UndiciDispatcher } from 'undici';

/** At most this much of an answer is read and kept. */
export const RESPONSE_CAP_BYTES = 4096;

export interface OutboundRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  /** Aborts the attempt; its reason (`timeout` or `cancelled`) becomes the attempt's error. */
  signal: AbortSignal;
}

export interface SendResult {
  status: number | undefined;
  retryAfter: string | undefined;
  /** Stable error code when no answer arrived: `timeout`, `cancelled`, or undici's / the OS's code. */
  error: string | undefined;
  response: Buffer | undefined;
  durationMs: number;
}

/** A result to fill in as an attempt goes: nothing known yet. */
export function noAnswerYet(): SendResult {
  return { status: undefined, retryAfter: undefined, error: undefined, response: undefined, durationMs: 0 };
}

/**
 * One attempt through the endpoint's pool. The caller's signal bounds the
 * whole attempt, answer body included (see deadlines.ts); redirects are not followed (undici's
 * request never does), and only the first 4 KiB of the answer are read.
 */
export async function send(pool: UndiciDispatcher, request: OutboundRequest): Promise<SendResult> {
  const started = performance.now();
  const { signal } = request;
  const result = noAnswerYet();
  try {
    const answer = await pool.request({
      path: request.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
      // The signal bounds the whole attempt; these are undici's own backstops.
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
    result.status = answer.statusCode;
    const retryAfter = answer.headers['retry-after'];
    result.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    result.response = await readCapped(answer.body);
  } catch (error) {
    if (signal.aborted) result.error = signal.reason === 'cancelled' ? 'cancelled' : 'timeout';
    else result.error = errorCode(error);
    // An answer whose body failed midway still counts as no answer: it may be cut.
    if (result.status !== undefined && result.response === undefined) result.status = undefined;
  }
  result.durationMs = performance.now() - started;
  return result;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = RESPONSE_CAP_BYTES - size;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.length, room);
    if (size >= RESPONSE_CAP_BYTES) {
      // The rest is not wanted: dropping it costs the connection, not a read of megabytes.
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, size);
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof cause === 'string') return cause;
  return error instanceof Error ? error.name : 'error';
}

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
 * whole attempt, answer body included (see deadlines.ts); redirects are not
 * followed (undici's dispatch never does), and only the first 4 KiB of the
 * answer are read. Through `dispatch` with a handler of its own rather than
 * `request`: no stream and no async iterator per answer, on the hottest path
 * relay has.
 */
export function send(pool: UndiciDispatcher, request: OutboundRequest): Promise<SendResult> {
  const started = performance.now();
  const { signal } = request;
  const result = noAnswerYet();
  return new Promise<SendResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let controller: UndiciDispatcher.DispatchController | undefined;
    const abort = () => controller?.abort(new Error('aborted'));
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', abort);
      if (error) {
        if (signal.aborted) result.error = signal.reason === 'cancelled' ? 'cancelled' : 'timeout';
        else result.error = errorCode(error);
        // An answer whose body failed midway still counts as no answer: it may be cut.
        result.status = undefined;
      } else {
        result.response = Buffer.concat(chunks, size);
      }
      result.durationMs = performance.now() - started;
      resolve(result);
    };
    const handler: UndiciDispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) abort();
      },
      onResponseStart(_c, statusCode, headers) {
        result.status = statusCode;
        const retryAfter = headers['retry-after'];
        result.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
      },
      onResponseData(c, chunk) {
        const room = RESPONSE_CAP_BYTES - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (size >= RESPONSE_CAP_BYTES) {
          // The rest is not wanted: dropping it costs the connection, not a read of megabytes.
          finish();
          c.abort(new Error('answer read up to the cap'));
        }
      },
      onResponseEnd() {
        finish();
      },
      onResponseError(_c, error) {
        finish(error);
      },
    };
    signal.addEventListener('abort', abort, { once: true });
    try {
      dispatch(pool, request, handler);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function dispatch(
  pool: UndiciDispatcher,
  request: OutboundRequest,
  handler: UndiciDispatcher.DispatchHandler,
): void {
  pool.dispatch(
    {
      path: request.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      // The signal bounds the whole attempt; these are undici's own backstops.
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    },
    handler,
  );
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof cause === 'string') return cause;
  return error instanceof Error ? error.name : 'error';
}

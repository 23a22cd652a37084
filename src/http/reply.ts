import type { ServerResponse } from 'node:http';
import { RelayError, type RelayErrorCode } from '../errors.ts';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Retry-After seconds for each "try again later" code. */
const retryAfterSeconds: Partial<Record<RelayErrorCode, number>> = {
  RELAY_ERR_STORAGE_BUSY: 1,
  RELAY_ERR_UNAVAILABLE: 5,
  RELAY_ERR_SHUTTING_DOWN: 5,
  RELAY_ERR_STORAGE_FULL: 30,
  RELAY_ERR_BACKLOG_FULL: 30,
};

/** `{"error":{"code","message"}}` (and `problems`, when the error lists them) with the status the code is registered with. */
export function sendError(
  res: ServerResponse,
  error: RelayError,
  headers: Record<string, string> = {},
): void {
  const retryAfter = retryAfterSeconds[error.code];
  sendJson(
    res,
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.problems ? { problems: error.problems } : {}),
      },
    },
    retryAfter === undefined ? headers : { 'retry-after': String(retryAfter), ...headers },
  );
}

/** Anything thrown that is not a RelayError is an internal error; its text is not shown to callers. */
export function asRelayError(error: unknown): RelayError {
  return error instanceof RelayError ? error : new RelayError('RELAY_ERR_INTERNAL', 'internal error');
}

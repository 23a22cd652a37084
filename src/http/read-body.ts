import type { IncomingMessage } from 'node:http';
import { RelayError } from '../errors.ts';

/**
 * Reads a request body, refusing it as soon as it passes `limit` bytes (a
 * declared Content-Length over the limit is refused before reading at all).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new RelayError('RELAY_ERR_BAD_REQUEST', `request body could not be read: ${error.message}`));
    };
    const onAborted = () => onError(new Error('client went away'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(limit: number): RelayError {
  return new RelayError(
    'RELAY_ERR_BODY_TOO_LARGE',
    `request body is larger than limits.body (${limit} bytes)`,
  );
}

import { RelayError } from '../errors.ts';

/** The request's URL, or a 400 when it cannot be parsed. */
export function parseRequestUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://relay');
  } catch {
    throw new RelayError('RELAY_ERR_BAD_REQUEST', 'malformed request URL');
  }
}

/** One percent-decoded path segment, or a 400 for malformed encoding. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RelayError('RELAY_ERR_BAD_REQUEST', 'malformed percent-encoding in the URL path');
  }
}

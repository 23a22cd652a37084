import { RelayError } from '../errors.ts';

export type BodyKind = 'json' | 'form' | 'opaque';

/** The media type without parameters, lowercased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type || undefined;
}

export function bodyKind(media: string | undefined): BodyKind {
  if (media === 'application/json' || media?.endsWith('+json')) return 'json';
  if (media === 'application/x-www-form-urlencoded') return 'form';
  return 'opaque';
}

/**
 * The parsed view of a body, used only to extract the type, the id and filter
 * fields: the stored bytes are always the raw ones. Malformed JSON declared as
 * JSON is the one shape of a verified body that is refused.
 */
export function parsePayload(body: Buffer, kind: BodyKind): unknown {
  if (kind === 'json') {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new RelayError('RELAY_ERR_BAD_REQUEST', `body is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (kind === 'form') {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  return undefined;
}

import type { IncomingMessage } from 'node:http';
import { parseDuration } from '../config/units.ts';
import { RelayError } from '../errors.ts';
import { readBody } from '../http/read-body.ts';

/** Admin request bodies are a few small options. */
const BODY_LIMIT = 64 * 1024;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function badRequest(message: string): RelayError {
  return new RelayError('RELAY_ERR_BAD_REQUEST', message);
}

/** The JSON object a POST carries; an empty body is `{}`. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await readBody(req, BODY_LIMIT);
  } catch (error) {
    if (error instanceof RelayError && error.code === 'RELAY_ERR_BODY_TOO_LARGE') {
      throw new RelayError(
        'RELAY_ERR_BODY_TOO_LARGE',
        `admin request bodies are limited to ${BODY_LIMIT} bytes`,
      );
    }
    throw error;
  }
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A whole number in [1, max], from a JSON number or a query string. */
export function parseLimit(value: unknown, key: string, fallback: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw badRequest(`${key} must be a whole number from 1 to ${max}`);
  }
  return n;
}

/**
 * `since` as a duration back from now (`2h`, `30m`, `7d`) or an ISO time
 * (`2026-01-01T12:00:00Z`); epoch ms, or undefined when it is neither.
 */
export function sinceTime(value: string, now: number): number | undefined {
  if (ISO_TIME.test(value)) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : at;
  }
  try {
    return now - parseDuration(value);
  } catch {
    return undefined;
  }
}

/** `since` from a query string: its time, or a 400 that shows both forms. */
export function parseSince(value: string, now: number): number {
  const at = sinceTime(value, now);
  if (at === undefined) {
    throw badRequest(`since must be a duration such as 2h or 30m, or an ISO time, not "${value}"`);
  }
  return at;
}

/** An integer path segment (delivery ids), or a 404: no such row can exist. */
export function parseId(segment: string, what: string): number {
  const id = /^\d{1,15}$/.test(segment) ? Number(segment) : Number.NaN;
  if (!Number.isSafeInteger(id))
    throw new RelayError('RELAY_ERR_NOT_FOUND', `no ${what} with id '${segment}'`);
  return id;
}

/** Epoch ms as an ISO string, or null. */
export function iso(ms: number): string;
export function iso(ms: number | null | undefined): string | null;
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** A duration in whole seconds for an answer, or null when there is none. */
export function wholeSeconds(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.floor(ms / 1000);
}

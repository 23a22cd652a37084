/**
 * Inbound verification: does a request carry one of the source's secrets?
 * Every comparison is constant time and any secret of the list is accepted, so
 * operators can rotate without a window of refused events. A credential sent
 * twice is refused: which copy a proxy or framework would pick is unknowable.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { VerifyConfig } from '../config/schema.ts';
import { hmacSha256, safeEqual } from '../signing/hmac.ts';
import { standardKeys, type VerifyResult, verifyStandard } from '../signing/standard-webhooks.ts';
import { takeFormField, takeJsonField } from './body-field.ts';

export type InboundRequest = {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  body: Buffer;
  /** Lowercased media type without parameters, e.g. application/json. */
  contentType: string | undefined;
};

type Failure = Extract<VerifyResult, { ok: false }>;

const MISSING: Failure = { ok: false, reason: 'missing' };
const MISMATCH: Failure = { ok: false, reason: 'mismatch' };
const MALFORMED: Failure = { ok: false, reason: 'malformed' };

/** One credential value, or the failure to answer with. */
function single(value: string | string[] | undefined): string | Failure {
  if (Array.isArray(value)) return MISMATCH;
  if (value === undefined || value === '') return MISSING;
  return value;
}

// An empty secret (an unset `${VAR:-}` in a rotation list) must never match an empty credential.
function matchesAny(secrets: readonly string[], given: string): boolean {
  return secrets.some((secret) => secret !== '' && safeEqual(secret, given));
}

function checkSecret(
  secrets: readonly string[],
  value: string | string[] | undefined,
  body: Buffer,
): VerifyResult {
  const given = single(value);
  if (typeof given !== 'string') return given;
  return matchesAny(secrets, given) ? { ok: true, body } : MISMATCH;
}

function verifyBearer(secrets: readonly string[], req: InboundRequest): VerifyResult {
  const header = single(req.headers.authorization);
  if (typeof header !== 'string') return header;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match?.[1]) return MALFORMED;
  return matchesAny(secrets, match[1]) ? { ok: true, body: req.body } : MISMATCH;
}

function verifyQuery(secrets: readonly string[], param: string, req: InboundRequest): VerifyResult {
  const values = req.query.getAll(param);
  return checkSecret(secrets, values.length > 1 ? values : values[0], req.body);
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function verifyHmac(secrets: readonly string[], header: string, req: InboundRequest): VerifyResult {
  const value = single(req.headers[header]);
  if (typeof value !== 'string') return value;
  const hex = value.startsWith('sha256=') ? value.slice('sha256='.length) : value;
  if (!HEX_SHA256.test(hex)) return MALFORMED;
  const given = Buffer.from(hex, 'hex');
  const ok = secrets.some((secret) => secret !== '' && safeEqual(hmacSha256(secret, req.body), given));
  return ok ? { ok: true, body: req.body } : MISMATCH;
}

function verifyBodyField(secrets: readonly string[], field: string, req: InboundRequest): VerifyResult {
  const take = req.contentType === 'application/x-www-form-urlencoded' ? takeFormField : takeJsonField;
  const taken = take(req.body, field);
  if (taken === undefined) return MISSING;
  // A second copy would stay in the stored body, secret and all.
  if (take(taken.body, field) !== undefined) return MISMATCH;
  if (typeof taken.value !== 'string' || taken.value === '') return MISMATCH;
  return matchesAny(secrets, taken.value) ? { ok: true, body: taken.body } : MISMATCH;
}

function verifyStandardRequest(
  verify: { secrets: string[] },
  req: InboundRequest,
  nowMs: number,
): VerifyResult {
  const id = req.headers['webhook-id'];
  const timestamp = req.headers['webhook-timestamp'];
  const signature = req.headers['webhook-signature'];
  if (Array.isArray(id) || Array.isArray(timestamp) || Array.isArray(signature)) return MISMATCH;
  return verifyStandard(standardKeys(verify), { id, timestamp, signature }, req.body, nowMs);
}

/**
 * Checks a request against its source's `verify` block. On success `body` is
 * the body to store: the request's bytes, minus the secret for `body_field`.
 */
export function verifyInbound(
  verify: VerifyConfig | undefined,
  req: InboundRequest,
  nowMs: number,
): VerifyResult {
  if (verify === undefined) return { ok: true, body: req.body };
  switch (verify.scheme) {
    case 'header':
      return checkSecret(verify.secrets, req.headers[verify.header], req.body);
    case 'body_field':
      return verifyBodyField(verify.secrets, verify.field, req);
    case 'standard-webhooks':
      return verifyStandardRequest(verify, req, nowMs);
    case 'hmac-sha256':
      return verifyHmac(verify.secrets, verify.header, req);
    case 'bearer':
      return verifyBearer(verify.secrets, req);
    case 'query':
      return verifyQuery(verify.secrets, verify.param, req);
  }
}

import type { z } from 'zod';
import { RelayError } from '../errors.ts';
import { iso, parseLimit, parseSince } from './body.ts';
import type { AdminContext } from './context.ts';
import type { auditList } from './schemas/audit.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * `GET /admin/audit?since=&limit=&cursor=`: every change made through the
 * API, newest first: who (the token's name), when, what, on what, why (the
 * `X-Relay-Reason` header) and how it ended (`ok` or the error code).
 */
export async function listAudit(
  ctx: AdminContext,
  query: URLSearchParams,
): Promise<z.infer<typeof auditList>> {
  const limit = parseLimit(query.get('limit'), 'limit', DEFAULT_LIMIT, MAX_LIMIT);
  const since = query.get('since');
  const rows = await ctx.store.audit.list({
    since: since ? parseSince(since, ctx.clock.now()) : 0,
    before: decodeCursor(query.get('cursor')),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: page.map((entry) => ({
      id: entry.id,
      at: iso(entry.at),
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      reason: entry.reason ?? null,
      outcome: entry.outcome,
      detail: entry.detail ?? null,
    })),
    ...(rows.length > limit && last
      ? { next_cursor: Buffer.from(String(last.id)).toString('base64url') }
      : {}),
  };
}

function decodeCursor(value: string | null): number | undefined {
  if (!value) return undefined;
  const id = Number(Buffer.from(value, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new RelayError('RELAY_ERR_BAD_REQUEST', 'cursor is not one this API returned');
  }
  return id;
}

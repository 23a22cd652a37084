import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { checkValue } from '../config/load.ts';
import type { AdminRole } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import { asRelayError } from '../http/reply.ts';
import { decodeSegment } from '../http/url.ts';
import { readJsonObject } from './body.ts';
import type { AdminContext } from './context.ts';
import { type Caller, requireRole } from './guard.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who asked for a change and why: what its audit entry records. */
export interface Requester {
  caller: Caller;
  /** The request's `X-Relay-Reason` header. */
  reason: string | undefined;
}

export interface Call<Body = unknown> extends Requester {
  ctx: AdminContext;
  /** The route's audit action, for a change. */
  action: string | undefined;
  req: IncomingMessage;
  /** Only a `stream` route writes to it; the others return their answer. */
  res: ServerResponse;
  /** The decoded path segments the pattern captured. */
  params: string[];
  query: URLSearchParams;
  /** The request body as the route's `body` schema parsed it (undefined for a route without one). */
  body: Body;
}

/** One /admin/* route: the table in routes.ts is the one list the router, the role checks and the docs read. */
export interface Route<Body extends z.ZodType = z.ZodType, Out extends z.ZodType = z.ZodType> {
  method: Method;
  /** The path under /admin/, with `{name}` for a captured segment. */
  path: string;
  /** The least role that may call it. */
  role: AdminRole;
  /** A change: its name in the audit log. GETs have none. */
  action?: string;
  /** The change writes its own audit entry, in its own transaction (managed objects). */
  audited?: true;
  /** The handler writes the answer itself and keeps it open (Server-Sent Events): the router sends nothing. */
  stream?: true;
  /** The status of a successful answer (200 unless said). */
  status?: number;
  /** The JSON body it takes, checked before `handle` runs: a 400 lists every problem. None: no body is read. */
  body?: Body;
  /** What a successful answer holds: the OpenAPI document's response schema, and `handle`'s return type. */
  answer: Out;
  handle(call: Call<z.output<Body>>): z.input<Out> | Promise<z.input<Out>>;
}

/** A table entry, typed: its handler gets the parsed body and must return what `answer` describes. */
export function route<Body extends z.ZodType, Out extends z.ZodType>(entry: Route<Body, Out>): Route {
  return entry as unknown as Route;
}

export interface Answer {
  status: number;
  body: unknown;
}

const REASON_HEADER = 'x-relay-reason';

/**
 * Finds the route for a request under /admin/, checks the caller's role and
 * the reason a change needs, runs it, and records every change in the audit
 * log, refused ones too (the outcome is the error's code). Undefined: a
 * stream route has answered already.
 */
export async function dispatchAdmin(
  routes: readonly Route[],
  ctx: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  caller: Caller,
): Promise<Answer | undefined> {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  let allowed: string[] = [];
  for (const route of routes) {
    const match = patternOf(route).exec(url.pathname);
    if (!match) continue;
    if (route.method !== method) {
      allowed = [...allowed, route.method];
      continue;
    }
    const params = match.slice(1).map(decodeSegment);
    const call: Call = {
      ctx,
      req,
      res,
      params,
      query: url.searchParams,
      caller,
      reason: reasonOf(req),
      action: route.action,
      body: undefined,
    };
    if (route.action) return runChange(route, call);
    requireRole(caller, route.role);
    if (route.stream) {
      await route.handle({ ...call, body: undefined });
      return undefined;
    }
    return {
      status: route.status ?? 200,
      body: await route.handle({ ...call, body: await bodyOf(route, req) }),
    };
  }
  if (allowed.length > 0) {
    throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED', `use ${allowed.join(' or ')} for ${url.pathname}`);
  }
  throw new RelayError('RELAY_ERR_NOT_FOUND', `no such route: ${url.pathname}`);
}

async function runChange(route: Route, call: Call): Promise<Answer> {
  const { ctx } = call;
  let outcome = 'ok';
  try {
    requireRole(call.caller, route.role);
    if (ctx.view().config.admin.require_reason && call.reason === undefined) {
      throw new RelayError(
        'RELAY_ERR_BAD_REQUEST',
        'admin.require_reason is on: say why in an X-Relay-Reason header',
      );
    }
    const body = await route.handle({ ...call, body: await bodyOf(route, call.req) });
    return { status: route.status ?? 200, body };
  } catch (error) {
    outcome = asRelayError(error).code;
    throw error;
  } finally {
    if (outcome !== 'ok' || !route.audited) {
      await ctx.store.audit
        .append({
          at: ctx.clock.now(),
          actor: call.caller.name,
          action: route.action!,
          target: call.params[0],
          reason: call.reason,
          outcome,
          detail: undefined,
        })
        .catch((error: unknown) =>
          ctx.log.error({ err: error, action: route.action }, 'could not write the audit log'),
        );
    }
  }
}

/** The body parsed by the route's schema, or a 400 listing every problem (`limit: must be …`). */
async function bodyOf(route: Route, req: IncomingMessage): Promise<unknown> {
  if (!route.body) return undefined;
  const checked = checkValue(route.body, await readJsonObject(req));
  if (checked.ok) return checked.data;
  throw new RelayError('RELAY_ERR_BAD_REQUEST', `the body is not valid: ${checked.problems.join('; ')}`, {
    problems: checked.problems,
  });
}

function reasonOf(req: IncomingMessage): string | undefined {
  const value = req.headers[REASON_HEADER];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text?.trim() ? text.trim().slice(0, 500) : undefined;
}

const patterns = new WeakMap<Route, RegExp>();

function patternOf(route: Route): RegExp {
  let pattern = patterns.get(route);
  if (!pattern) {
    const source = route.path
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('([^/]+)');
    pattern = new RegExp(`^/admin/${source}$`);
    patterns.set(route, pattern);
  }
  return pattern;
}

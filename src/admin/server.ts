import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RelayConfig } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import { asRelayError, sendError, sendJson } from '../http/reply.ts';
import { parseRequestUrl } from '../http/url.ts';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import { configIdentity } from './config.ts';
import type { AdminContext } from './context.ts';
import { authenticate } from './guard.ts';
import { dispatchAdmin, type Route } from './router.ts';
import { isUiPath, serveUi, uiSecurityHeaders } from './ui.ts';

export interface AdminDeps {
  metrics: RelayMetrics;
  /** Why relay is not ready (database not writable, shutting down), or undefined when it is. */
  notReadyReason(): Promise<string | undefined>;
  log: Logger;
  /** The admin listener is bound to a loopback address (decides /admin/* without a token). */
  loopback: boolean;
  /** The `admin` section of the running config (a reload may change its tokens). */
  adminConfig(): RelayConfig['admin'];
  api: AdminContext;
}

/**
 * The admin listener: liveness, readiness, Prometheus metrics, and the
 * operator's API under /admin/. /healthz touches nothing but the process, so
 * a stuck database shows in /readyz and never as a liveness failure that
 * would get relay restarted mid-recovery. The health routes and /metrics need
 * no token: scrapers and orchestrators reach them whatever /admin/* requires.
 */
export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      const relayError = asRelayError(error);
      if (relayError.code === 'RELAY_ERR_INTERNAL') deps.log.error({ err: error }, 'admin request failed');
      if (res.headersSent) return;
      const challenge: Record<string, string> =
        relayError.code === 'RELAY_ERR_UNAUTHORIZED'
          ? { 'www-authenticate': 'Bearer realm="relay admin"' }
          : isUiPath((req.url ?? '').split('?')[0]!)
            ? uiSecurityHeaders
            : {};
      // SendBlue's webhooks API answers errors in its own shape, which its users' code reads.
      if (isWebhooksPath(req.url)) {
        return sendJson(
          res,
          relayError.status,
          { status: 'ERROR', message: sendBlueMessage(relayError) },
          challenge,
        );
      }
      sendError(res, relayError, challenge);
    });
  };
}

/** SendBlue answers one sentence: a refused body's first reason, without its path (`Missing or invalid webhooks array`). */
function sendBlueMessage(error: RelayError): string {
  if (error.code === 'RELAY_ERR_UNAUTHORIZED') return 'Unauthorized';
  const first = error.problems?.[0];
  return first === undefined ? error.message : first.slice(first.indexOf(': ') + 2);
}

function isWebhooksPath(raw: string | undefined): boolean {
  return /^\/admin\/webhooks\/?(\?|$)/.test(raw ?? '');
}

let routeTable: Promise<readonly Route[]> | undefined;

/**
 * The /admin/* route table, loaded at the first /admin/ request: its schemas
 * (and the OpenAPI document built from them) are not needed to be ready.
 */
function adminRoutes(): Promise<readonly Route[]> {
  routeTable ??= import('./routes.ts').then((table) => table.adminRoutes);
  return routeTable;
}

async function route(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = parseRequestUrl(req.url);
  if (url.pathname.startsWith('/admin/')) {
    const caller = authenticate(req, deps.adminConfig(), deps.loopback);
    const answer = await dispatchAdmin(await adminRoutes(), deps.api, req, res, url, caller);
    if (answer) sendJson(res, answer.status, answer.body);
    return;
  }
  if (isUiPath(url.pathname)) return serveUi(req, res, url.pathname);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED', 'only GET is accepted here');
  }
  switch (url.pathname) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz': {
      const reason = await deps.notReadyReason();
      const config = configIdentity(deps.api.running());
      return reason === undefined
        ? sendJson(res, 200, { status: 'ready', config })
        : sendJson(res, 503, { status: 'not ready', reason, config });
    }
    case '/metrics': {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    default:
      throw new RelayError('RELAY_ERR_NOT_FOUND', `no such route: ${url.pathname}`);
  }
}

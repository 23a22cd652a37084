import type { IncomingMessage, ServerResponse } from 'node:http';
import { RelayError } from '../errors.ts';
import { asRelayError, sendError, sendJson } from '../http-reply.ts';
import type { Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';

export interface AdminDeps {
  metrics: RelayMetrics;
  /** Why relay is not ready (database not writable, shutting down), or undefined when it is. */
  notReadyReason(): string | undefined;
  log: Logger;
}

/**
 * The admin listener: liveness, readiness and Prometheus metrics. /healthz
 * touches nothing but the process, so a stuck database shows in /readyz and
 * never as a liveness failure that would get relay restarted mid-recovery.
 */
export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      const relayError = asRelayError(error);
      if (relayError.code === 'RELAY_ERR_INTERNAL') deps.log.error({ err: error }, 'admin request failed');
      if (!res.headersSent) sendError(res, relayError);
    });
  };
}

async function route(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED', 'only GET is accepted here');
  }
  switch (path) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz': {
      const reason = deps.notReadyReason();
      return reason === undefined
        ? sendJson(res, 200, { status: 'ready' })
        : sendJson(res, 503, { status: 'not ready', reason });
    }
    case '/metrics': {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    default:
      throw new RelayError('RELAY_ERR_NOT_FOUND', `no such route: ${path}`);
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.ts';
import type { RelayConfig, SourceConfig } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import { readBody } from '../http/read-body.ts';
import { asRelayError, sendError, sendJson } from '../http/reply.ts';
import { decodeSegment, parseRequestUrl } from '../http/url.ts';
import type { Logger } from '../log.ts';
import { OTHER_LABEL, type RejectReason, type RelayMetrics } from '../metrics.ts';
import type { RoutePlan, RoutingTable } from '../routing/match.ts';
import { bodyKind, mediaType, parsePayload } from '../routing/payload.ts';
import type { Backlog } from '../store/backlog.ts';
import type { ClaimedDelivery, FreshLease, Store } from '../store/store.ts';
import { IngestCompany } from './company.ts';
import { newEventId } from './event-id.ts';
import { publishReceived } from './observe.ts';
import { type ExtractContext, extractIdempotencyKey, extractType, keyOf } from './source.ts';
import { verifyInbound } from './verify.ts';

/** What ingest needs of the running config; swapped whole on reload. */
export interface IngestView {
  config: RelayConfig;
  routing: RoutingTable;
  /** Types the config names; any other type is counted as "other". */
  knownTypes: ReadonlySet<string>;
}

export interface IngestDeps {
  view(): IngestView;
  /** False once shutdown's drain delay has passed: new requests get 503. */
  accepting(): boolean;
  store: Store;
  backlog: Backlog;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  /**
   * The dispatcher's side of a new event: `reserve` names, before it is
   * stored, the endpoints whose deliveries go out at once (stored claimed:
   * `NewEvent.lease`); `stored` follows with the endpoints that got a
   * delivery and those stored claimed (none of either when nothing was stored).
   */
  dispatch: {
    reserve(endpoints: readonly string[]): FreshLease | undefined;
    stored(
      lease: FreshLease | undefined,
      endpoints: readonly string[],
      leased: readonly ClaimedDelivery[],
    ): void;
  };
}

const rejectReasons: Partial<Record<RelayError['code'], RejectReason>> = {
  RELAY_ERR_UNAUTHORIZED: 'unauthorized',
  RELAY_ERR_BODY_TOO_LARGE: 'body_too_large',
  RELAY_ERR_BAD_REQUEST: 'bad_request',
  RELAY_ERR_UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  RELAY_ERR_UNAVAILABLE: 'unavailable',
  RELAY_ERR_STORAGE_BUSY: 'unavailable',
  RELAY_ERR_STORAGE_FULL: 'unavailable',
  RELAY_ERR_BACKLOG_FULL: 'unavailable',
  RELAY_ERR_SHUTTING_DOWN: 'unavailable',
};

export function createIngestHandler(deps: IngestDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const company = new IngestCompany();
  return (req, res) => {
    let source: string | undefined;
    company.enter(req, res);
    handle(deps, company, req, res, (name) => {
      source = name;
    }).catch((error: unknown) => {
      const relayError = asRelayError(error);
      if (relayError.code === 'RELAY_ERR_INTERNAL') {
        deps.log.error({ err: error, source }, 'ingest failed');
      }
      const reason = rejectReasons[relayError.code];
      if (source && reason) deps.metrics.eventsRejected.inc({ source, reason });
      if (res.headersSent) return;
      // After a refused body the rest of the upload is not read, and while stopping
      // a keep-alive client must let go of its socket: close the connection.
      const closing =
        relayError.code === 'RELAY_ERR_BODY_TOO_LARGE' || relayError.code === 'RELAY_ERR_SHUTTING_DOWN';
      const close = closing ? { connection: 'close' } : undefined;
      sendError(res, relayError, close);
    });
  };
}

async function handle(
  deps: IngestDeps,
  company: IngestCompany,
  req: IncomingMessage,
  res: ServerResponse,
  identify: (source: string) => void,
): Promise<void> {
  const url = parseRequestUrl(req.url);
  const segments = url.pathname.split('/');
  // ['', 'in', source] or ['', 'in', source, type]
  if (segments[1] !== 'in' || segments.length < 3 || segments.length > 4 || !segments[2]) {
    throw new RelayError('RELAY_ERR_NOT_FOUND', 'ingest URLs are POST /in/<source> or /in/<source>/<type>');
  }
  const view = deps.view();
  const sourceName = decodeSegment(segments[2]);
  const source = Object.hasOwn(view.config.sources, sourceName) ? view.config.sources[sourceName] : undefined;
  if (!source) throw new RelayError('RELAY_ERR_UNKNOWN_SOURCE', `unknown source '${sourceName}'`);
  identify(source.name);
  if (req.method !== 'POST') {
    throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED', 'only POST is accepted here');
  }
  const media = mediaType(req.headers['content-type']);
  if (source.accept && !(media && source.accept.includes(media))) {
    throw new RelayError(
      'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
      `content type ${media ?? '(none)'} is not accepted; expected ${source.accept.join(', ')}`,
    );
  }
  refuseWhenUnableToStore(deps, view.config);

  const raw = await readBody(req, view.config.limits.body);
  const now = deps.clock.now();
  const verified = verifyInbound(
    source.verify,
    { headers: req.headers, query: url.searchParams, body: raw, contentType: media },
    now,
  );
  if (!verified.ok) {
    throw new RelayError('RELAY_ERR_UNAUTHORIZED', `verification failed (${verified.reason})`);
  }
  const body = verified.body;
  const payload = parsePayload(body, bodyKind(media));
  const pathType = segments[3] === undefined ? undefined : decodeSegment(segments[3]);
  const context = { pathType, payload, headers: req.headers };
  const { type, unmapped } = extractType(source.type, context);
  const key = extractIdempotencyKey(source.id, type, context);
  const plan = view.routing.plan({ source: source.name, type, payload });

  const id = newEventId();
  const lease = deps.dispatch.reserve(plan.endpoints);
  // Every endpoint it may get a delivery for: its fan-out, and those behind its threshold routes.
  const reached = [...plan.endpoints, ...plan.gates.flatMap((gate) => gate.endpoints)];
  const result = await deps.backlog
    .writing(reached, () =>
      deps.store.enqueue(
        {
          id,
          source: source.name,
          type,
          receivedAt: now,
          contentType: req.headers['content-type'],
          body,
          endpoints: plan.endpoints,
          gates: plan.gates,
          orderKeys: orderKeysOf(view.config, plan, context),
          idempotency:
            key === undefined ? undefined : { key, expiresAt: now + view.config.storage.dedup_window },
          ...(lease ? { lease } : {}),
        },
        { linger: company.expected() },
      ),
    )
    .catch((error: unknown) => {
      deps.dispatch.stored(lease, [], []);
      throw error;
    });

  if (result.duplicateOf !== undefined) {
    deps.dispatch.stored(lease, [], []);
    deps.metrics.eventsDuplicate.inc({ source: source.name });
    return answer(res, source, { id: result.duplicateOf, duplicate: true });
  }
  const { endpoints } = result;
  publishReceived({ eventId: id, source: source.name, type, receivedAt: now, endpoints });
  deps.metrics.eventsReceived.inc({
    source: source.name,
    type: view.knownTypes.has(type) ? type : OTHER_LABEL,
  });
  if (unmapped) deps.metrics.eventsUnmappedType.inc({ source: source.name });
  for (const route of result.held) deps.metrics.thresholdHeld.inc({ route });
  if (endpoints.length === 0 && result.held.length === 0)
    deps.metrics.eventsUnrouted.inc({ source: source.name });
  deps.dispatch.stored(lease, endpoints, result.leased);
  answer(res, source, {
    id,
    deliveries: endpoints.length,
    ...(result.held.length > 0 ? { held_by: result.held } : {}),
  });
}

/** The ordering key of this event for each endpoint it may reach that orders its deliveries. */
function orderKeysOf(
  config: RelayConfig,
  plan: RoutePlan,
  context: ExtractContext,
): Record<string, string> | undefined {
  const keys: Record<string, string> = {};
  for (const name of [...plan.endpoints, ...plan.gates.flatMap((gate) => gate.endpoints)]) {
    const rule = Object.hasOwn(config.endpoints, name) ? config.endpoints[name]?.ordering : undefined;
    const key = rule && keyOf(rule, context);
    if (key !== undefined) keys[name] = key;
  }
  return Object.keys(keys).length > 0 ? keys : undefined;
}

function refuseWhenUnableToStore(deps: IngestDeps, config: RelayConfig): void {
  if (!deps.accepting()) {
    throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'relay is shutting down; try again shortly');
  }
  if (deps.backlog.total >= config.limits.max_pending) {
    throw new RelayError(
      'RELAY_ERR_BACKLOG_FULL',
      `too many deliveries are waiting (limits.max_pending = ${config.limits.max_pending})`,
    );
  }
  const refusal = deps.store.refusal();
  if (refusal) throw refusal;
}

function answer(res: ServerResponse, source: SourceConfig, body: Record<string, unknown>): void {
  const custom = source.response;
  if (custom?.body === undefined) {
    sendJson(res, custom?.status ?? 200, body);
    return;
  }
  res.writeHead(custom.status, {
    'content-type': custom.content_type ?? 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(custom.body),
  });
  res.end(custom.body);
}

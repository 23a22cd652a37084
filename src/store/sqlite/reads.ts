import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';
import type { EndpointAdminState } from './deliveries.ts';
import type { StoredEvent } from './events.ts';

export type DeliveryState = 'pending' | 'in_flight' | 'delivered' | 'dead' | 'dropped';
export const deliveryStates: readonly DeliveryState[] = [
  'pending',
  'in_flight',
  'delivered',
  'dead',
  'dropped',
];

export interface EventFilter {
  /** Received at or after this (epoch ms). */
  since: number;
  source: string | undefined;
  type: string | undefined;
  /** Only events having a delivery in this state and/or to this endpoint. */
  state: DeliveryState | undefined;
  endpoint: string | undefined;
  /** Keyset position of the last row of the previous page (newest first). */
  before: { receivedAt: number; id: string } | undefined;
  limit: number;
}

export interface EventSummaryRow {
  id: string;
  source: string;
  type: string;
  received_at: number;
  content_type: string | null;
  size: number;
}

export interface DeliveryRow {
  id: number;
  event_id: string;
  endpoint: string;
  state: DeliveryState;
  attempts: number;
  step: number;
  created_at: number;
  next_attempt_at: number;
  finished_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

export interface AttemptRow {
  n: number;
  started_at: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
  response: Buffer | null;
}

interface ListParams {
  since: number;
  until: number;
  beforeId: string | null;
  source: string | null;
  type: string | null;
  state: string | null;
  endpoint: string | null;
  limit: number;
}

const DELIVERY_COLUMNS = `id, event_id, endpoint, state, attempts, step, created_at, next_attempt_at,
  finished_at, last_status, last_error`;

/**
 * What the admin API reads, one prepared statement each. Reads run outside
 * the group commit: in WAL mode they never wait for the writer.
 */
export class AdminQueries {
  private readonly listStatement: Statement<[ListParams], EventSummaryRow>;
  private readonly deliveriesOfEvent: Statement<[string], DeliveryRow>;
  private readonly attemptsOfDelivery: Statement<[number], AttemptRow>;
  private readonly deliveryById: Statement<[number], DeliveryRow>;
  private readonly deadByEndpoint: Statement<[], { endpoint: string; n: number }>;
  private readonly states: Statement<[], { name: string; state: EndpointAdminState; changed_at: number }>;
  private readonly unfinishedEndpoints: Statement<[], { endpoint: string }>;
  private readonly eventsAfter: Statement<[number, number, number, string, number], StoredEvent>;

  constructor(db: Db) {
    // Newest first by (received_at, id). `until` bounds the index range so a
    // later page starts where the last one ended instead of walking past it.
    this.listStatement = db.prepare(
      `SELECT e.id, e.source, e.type, e.received_at, e.content_type, length(e.body) AS size
       FROM events e
       WHERE e.received_at >= @since AND e.received_at <= @until
         AND (@beforeId IS NULL OR e.received_at < @until OR e.id < @beforeId)
         AND (@source IS NULL OR e.source = @source)
         AND (@type IS NULL OR e.type = @type)
         AND ((@state IS NULL AND @endpoint IS NULL) OR EXISTS (
           SELECT 1 FROM deliveries d WHERE d.event_id = e.id
             AND (@endpoint IS NULL OR d.endpoint = @endpoint)
             AND (@state IS NULL OR d.state = @state)))
       ORDER BY e.received_at DESC, e.id DESC
       LIMIT @limit`,
    );
    this.deliveriesOfEvent = db.prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? ORDER BY id`,
    );
    this.attemptsOfDelivery = db.prepare(
      'SELECT n, started_at, duration_ms, status, error, response FROM attempts WHERE delivery_id = ? ORDER BY n',
    );
    this.deliveryById = db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`);
    this.deadByEndpoint = db.prepare(
      "SELECT endpoint, count(*) AS n FROM deliveries WHERE state = 'dead' GROUP BY endpoint",
    );
    this.states = db.prepare('SELECT name, state, changed_at FROM endpoint_state');
    // Walks the partial index of unfinished deliveries only.
    this.unfinishedEndpoints = db.prepare(
      "SELECT DISTINCT endpoint FROM deliveries WHERE state IN ('pending', 'in_flight')",
    );
    this.eventsAfter = db.prepare(
      `SELECT id, source, type, received_at, content_type, body FROM events
       WHERE received_at >= ? AND (received_at > ? OR (received_at = ? AND id > ?))
       ORDER BY received_at, id LIMIT ?`,
    );
  }

  /** One page of events, newest first. */
  listEvents(filter: EventFilter): EventSummaryRow[] {
    return this.listStatement.all({
      since: filter.since,
      until: filter.before?.receivedAt ?? Number.MAX_SAFE_INTEGER,
      beforeId: filter.before?.id ?? null,
      source: filter.source ?? null,
      type: filter.type ?? null,
      state: filter.state ?? null,
      endpoint: filter.endpoint ?? null,
      limit: filter.limit,
    });
  }

  deliveriesOf(eventId: string): DeliveryRow[] {
    return this.deliveriesOfEvent.all(eventId);
  }

  attemptsOf(deliveryId: number): AttemptRow[] {
    return this.attemptsOfDelivery.all(deliveryId);
  }

  delivery(id: number): DeliveryRow | undefined {
    return this.deliveryById.get(id);
  }

  /** Dead deliveries per endpoint (a partial index holds exactly these). */
  deadCounts(): Map<string, number> {
    return new Map(this.deadByEndpoint.all().map((row) => [row.endpoint, row.n]));
  }

  /** The persisted admin state of each endpoint that ever left `active`, and when it changed. */
  endpointStates(): Map<string, { state: EndpointAdminState; changedAt: number }> {
    return new Map(
      this.states.all().map((row) => [row.name, { state: row.state, changedAt: row.changed_at }]),
    );
  }

  /** Every endpoint name with unfinished deliveries, configured or not. */
  endpointsWithBacklog(): string[] {
    return this.unfinishedEndpoints.all().map((row) => row.endpoint);
  }

  /** Events received at or after `since`, oldest first, after the keyset position `after`. */
  eventsSince(
    since: number,
    after: { receivedAt: number; id: string } | undefined,
    limit: number,
  ): StoredEvent[] {
    const at = after?.receivedAt ?? since;
    return this.eventsAfter.all(since, at, at, after?.id ?? '', limit);
  }
}

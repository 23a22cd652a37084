import type { Statement } from 'better-sqlite3';
import {
  ATTEMPT_COLUMNS,
  type AttemptRow,
  DELIVERY_COLUMNS,
  type DeliveryRow,
  type EventRow,
  groupAttempts,
  toAttempt,
  toDetail,
  toStoredEvent,
} from '../rows.ts';
import type {
  DeliveryDetail,
  EventFilter,
  EventHold,
  EventPosition,
  EventSummary,
  StoredEvent,
  StoreReads,
} from '../store.ts';
import type { Db } from './db.ts';
import type { ThresholdStatements } from './thresholds.ts';

interface SummaryRow {
  id: string;
  source: string;
  type: string;
  received_at: number;
  content_type: string | null;
  size: number;
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

/**
 * What the admin API reads. Reads run outside the group commit: in WAL mode
 * they never wait for the writer. A page and its deliveries are two queries
 * (ids passed as one JSON array), never one per row.
 */
export class SqliteReads implements StoreReads {
  private readonly listStatement: Statement<[ListParams], SummaryRow>;
  private readonly deliveriesOfEvents: Statement<[string], DeliveryRow>;
  private readonly deliveriesOfEvent: Statement<[string], DeliveryRow>;
  private readonly attemptsOfEvent: Statement<[string], AttemptRow>;
  private readonly deliveryById: Statement<[number], DeliveryRow>;
  private readonly attemptsOfDelivery: Statement<[number], AttemptRow>;
  private readonly deadByEndpoint: Statement<[], { endpoint: string; n: number }>;
  private readonly eventById: Statement<[string], EventRow>;
  private readonly eventsAfter: Statement<[number, number, number, string, number], EventRow>;

  private readonly thresholds: ThresholdStatements;

  constructor(db: Db, thresholds: ThresholdStatements) {
    this.thresholds = thresholds;
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
    this.deliveriesOfEvents = db.prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries
       WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    );
    this.deliveriesOfEvent = db.prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ? ORDER BY id`,
    );
    this.attemptsOfEvent = db.prepare(
      `SELECT ${ATTEMPT_COLUMNS} FROM attempts
       WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = ?) ORDER BY delivery_id, n`,
    );
    this.deliveryById = db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`);
    this.attemptsOfDelivery = db.prepare(
      `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? ORDER BY n`,
    );
    this.deadByEndpoint = db.prepare(
      "SELECT endpoint, count(*) AS n FROM deliveries WHERE state = 'dead' GROUP BY endpoint",
    );
    this.eventById = db.prepare(
      'SELECT id, source, type, received_at, content_type, body FROM events WHERE id = ?',
    );
    this.eventsAfter = db.prepare(
      `SELECT id, source, type, received_at, content_type, body FROM events
       WHERE received_at >= ? AND (received_at > ? OR (received_at = ? AND id > ?))
       ORDER BY received_at, id LIMIT ?`,
    );
  }

  async listEvents(filter: EventFilter): Promise<EventSummary[]> {
    const rows = this.listStatement.all({
      since: filter.since,
      until: filter.before?.receivedAt ?? Number.MAX_SAFE_INTEGER,
      beforeId: filter.before?.id ?? null,
      source: filter.source ?? null,
      type: filter.type ?? null,
      state: filter.state ?? null,
      endpoint: filter.endpoint ?? null,
      limit: filter.limit,
    });
    const byEvent = new Map<string, EventSummary['deliveries']>(rows.map((row) => [row.id, []]));
    const heldBy =
      rows.length > 0 ? this.thresholds.heldBy(rows.map((row) => row.id)) : new Map<string, string[]>();
    if (rows.length > 0) {
      for (const d of this.deliveriesOfEvents.all(JSON.stringify(rows.map((row) => row.id)))) {
        byEvent
          .get(d.event_id)
          ?.push({ id: d.id, endpoint: d.endpoint, state: d.state, attempts: d.attempts });
      }
    }
    return rows.map((row) => ({
      id: row.id,
      source: row.source,
      type: row.type,
      receivedAt: row.received_at,
      contentType: row.content_type ?? undefined,
      size: row.size,
      deliveries: byEvent.get(row.id)!,
      heldBy: heldBy.get(row.id) ?? [],
    }));
  }

  async holdsOf(eventId: string): Promise<EventHold[]> {
    return this.thresholds.holdsOf(eventId);
  }

  async event(id: string): Promise<StoredEvent | undefined> {
    const row = this.eventById.get(id);
    return row && toStoredEvent(row);
  }

  async deliveriesOf(eventId: string): Promise<DeliveryDetail[]> {
    const attempts = groupAttempts(this.attemptsOfEvent.all(eventId));
    return this.deliveriesOfEvent.all(eventId).map((row) => toDetail(row, attempts.get(row.id) ?? []));
  }

  async delivery(id: number): Promise<DeliveryDetail | undefined> {
    const row = this.deliveryById.get(id);
    return row && toDetail(row, this.attemptsOfDelivery.all(id).map(toAttempt));
  }

  async deadCounts(): Promise<Map<string, number>> {
    return new Map(this.deadByEndpoint.all().map((row) => [row.endpoint, row.n]));
  }

  async eventsSince(since: number, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]> {
    const at = after?.receivedAt ?? since;
    return this.eventsAfter.all(since, at, at, after?.id ?? '', limit).map(toStoredEvent);
  }
}

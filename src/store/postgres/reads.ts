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
import type { Db } from './pool.ts';

type SummaryRow = Omit<EventRow, 'body'> & { size: number };

const EVENT_COLUMNS = 'id, source, type, received_at, content_type, body';

/**
 * What the admin API reads, as SQLite answers it (store/sqlite/reads.ts). A
 * page, its deliveries and its holds are three queries (ids as one array), an event's
 * deliveries and their attempts two more: never one per row.
 */
export class PostgresReads implements StoreReads {
  private readonly pool: Db;

  constructor(pool: Db) {
    this.pool = pool;
  }

  async listEvents(filter: EventFilter): Promise<EventSummary[]> {
    // Newest first by (received_at, id); `until` bounds the index range so a later page starts where the last ended.
    const { rows } = await this.pool.query<SummaryRow>({
      name: 'relay-list-events',
      text: `SELECT e.id, e.source, e.type, e.received_at, e.content_type, length(e.body) AS size
       FROM events e
       WHERE e.received_at >= $1 AND e.received_at <= $2
         AND ($3::text IS NULL OR e.received_at < $2 OR e.id < $3)
         AND ($4::text IS NULL OR e.source = $4)
         AND ($5::text IS NULL OR e.type = $5)
         AND (($6::text IS NULL AND $7::text IS NULL) OR EXISTS (
           SELECT 1 FROM deliveries d WHERE d.event_id = e.id
             AND ($7::text IS NULL OR d.endpoint = $7)
             AND ($6::text IS NULL OR d.state = $6)))
       ORDER BY e.received_at DESC, e.id DESC
       LIMIT $8`,
      values: [
        filter.since,
        filter.before?.receivedAt ?? Number.MAX_SAFE_INTEGER,
        filter.before?.id ?? null,
        filter.source ?? null,
        filter.type ?? null,
        filter.state ?? null,
        filter.endpoint ?? null,
        filter.limit,
      ],
    });
    const byEvent = new Map<string, EventSummary['deliveries']>(rows.map((row) => [row.id, []]));
    const heldBy = new Map<string, string[]>();
    if (rows.length > 0) {
      const ids = rows.map((row) => row.id);
      const [deliveries, holds] = await Promise.all([
        this.pool.query<DeliveryRow>({
          name: 'relay-deliveries-of-events',
          text: `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = ANY($1::text[]) ORDER BY id`,
          values: [ids],
        }),
        this.pool.query<{ event_id: string; route: string }>({
          name: 'relay-holds-of-events',
          text: 'SELECT event_id, route FROM event_holds WHERE event_id = ANY($1::text[]) ORDER BY route',
          values: [ids],
        }),
      ]);
      for (const h of holds.rows) heldBy.set(h.event_id, [...(heldBy.get(h.event_id) ?? []), h.route]);
      for (const d of deliveries.rows) {
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
      heldBy: heldBy.get(row.id) ?? [],
      size: row.size,
      deliveries: byEvent.get(row.id)!,
    }));
  }

  async holdsOf(eventId: string): Promise<EventHold[]> {
    const { rows } = await this.pool.query<EventHold>({
      name: 'relay-holds-of-event',
      text: 'SELECT route, reason FROM event_holds WHERE event_id = $1 ORDER BY route',
      values: [eventId],
    });
    return rows;
  }

  async event(id: string): Promise<StoredEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'relay-event',
      text: `SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`,
      values: [id],
    });
    return rows[0] && toStoredEvent(rows[0]);
  }

  async deliveriesOf(eventId: string): Promise<DeliveryDetail[]> {
    const [deliveries, attempts] = await Promise.all([
      this.pool.query<DeliveryRow>({
        name: 'relay-deliveries-of-event',
        text: `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE event_id = $1 ORDER BY id`,
        values: [eventId],
      }),
      this.pool.query<AttemptRow>({
        name: 'relay-attempts-of-event',
        text: `SELECT ${ATTEMPT_COLUMNS} FROM attempts
               WHERE delivery_id IN (SELECT id FROM deliveries WHERE event_id = $1) ORDER BY delivery_id, n`,
        values: [eventId],
      }),
    ]);
    const byDelivery = groupAttempts(attempts.rows);
    return deliveries.rows.map((row) => toDetail(row, byDelivery.get(row.id) ?? []));
  }

  async delivery(id: number): Promise<DeliveryDetail | undefined> {
    const [deliveries, attempts] = await Promise.all([
      this.pool.query<DeliveryRow>({
        name: 'relay-delivery',
        text: `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`,
        values: [id],
      }),
      this.pool.query<AttemptRow>({
        name: 'relay-attempts-of-delivery',
        text: `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY n`,
        values: [id],
      }),
    ]);
    const row = deliveries.rows[0];
    return row && toDetail(row, attempts.rows.map(toAttempt));
  }

  async deadCounts(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ endpoint: string; n: number }>({
      name: 'relay-dead-counts',
      text: "SELECT endpoint, count(*) AS n FROM deliveries WHERE state = 'dead' GROUP BY endpoint",
    });
    return new Map(rows.map((row) => [row.endpoint, row.n]));
  }

  async eventsSince(since: number, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'relay-events-since',
      text: `SELECT ${EVENT_COLUMNS} FROM events
             WHERE received_at >= $1 AND (received_at, id) > ($2, $3)
             ORDER BY received_at, id LIMIT $4`,
      values: [since, after?.receivedAt ?? since, after?.id ?? '', limit],
    });
    return rows.map(toStoredEvent);
  }
}

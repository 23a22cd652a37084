import type {
  AttemptEntry,
  AuditEntry,
  AuditRecord,
  ClaimedDelivery,
  DeliveryDetail,
  DeliveryState,
  ManagedKind,
  ManagedObject,
  StoredEvent,
} from './store.ts';

/**
 * The tables' rows as both backends read them (the same snake_case columns,
 * ints as numbers, blobs as Buffers), and their mapping to relay's types:
 * one place, so both backends answer alike. Nothing outside store/ sees a row.
 */

export interface EventRow {
  id: string;
  source: string;
  type: string;
  received_at: number;
  content_type: string | null;
  body: Buffer;
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
  delivery_id: number;
  n: number;
  started_at: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
  response: Buffer | null;
}

/** A delivery being claimed, joined to its event. */
export interface ClaimRow {
  id: number;
  event_id: string;
  endpoint: string;
  attempts: number;
  step: number;
  created_at: number;
  source: string;
  type: string;
  content_type: string | null;
  body: Buffer;
}

export const DELIVERY_COLUMNS = `id, event_id, endpoint, state, attempts, step, created_at, next_attempt_at,
  finished_at, last_status, last_error`;
export const ATTEMPT_COLUMNS = 'delivery_id, n, started_at, duration_ms, status, error, response';

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    source: row.source,
    type: row.type,
    receivedAt: row.received_at,
    contentType: row.content_type ?? undefined,
    body: row.body,
  };
}

export function groupAttempts(rows: AttemptRow[]): Map<number, AttemptEntry[]> {
  const byDelivery = new Map<number, AttemptEntry[]>();
  for (const row of rows) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push(toAttempt(row));
    byDelivery.set(row.delivery_id, list);
  }
  return byDelivery;
}

export function toAttempt(row: AttemptRow): AttemptEntry {
  return {
    n: row.n,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    status: row.status ?? undefined,
    error: row.error ?? undefined,
    response: row.response ?? undefined,
  };
}

export function toDetail(row: DeliveryRow, attemptLog: AttemptEntry[]): DeliveryDetail {
  return {
    id: row.id,
    eventId: row.event_id,
    endpoint: row.endpoint,
    state: row.state,
    attempts: row.attempts,
    step: row.step,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
    finishedAt: row.finished_at ?? undefined,
    lastStatus: row.last_status ?? undefined,
    lastError: row.last_error ?? undefined,
    attemptLog,
  };
}

export function toClaimed(row: ClaimRow, claim: number): ClaimedDelivery {
  return {
    id: row.id,
    claim,
    eventId: row.event_id,
    endpoint: row.endpoint,
    attempts: row.attempts,
    step: row.step,
    createdAt: row.created_at,
    source: row.source,
    type: row.type,
    contentType: row.content_type ?? undefined,
    body: row.body,
  };
}

/** A managed object's row; `Spec` is how the backend keeps its document (SQLite: JSON text, PostgreSQL: jsonb). */
export interface ManagedRow<Spec> {
  kind: ManagedKind;
  name: string;
  spec: Spec;
  created_at: number;
  updated_at: number;
}

export function toManagedObject<Spec>(
  row: ManagedRow<Spec>,
  document: (spec: Spec) => Record<string, unknown>,
): ManagedObject {
  return {
    kind: row.kind,
    name: row.name,
    spec: document(row.spec),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** An audit row; `Detail` as the backend keeps it (SQLite: JSON text, PostgreSQL: jsonb). */
export interface AuditRow<Detail> {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  outcome: string;
  detail: Detail | null;
}

export function toAuditRecord<Detail>(
  row: AuditRow<Detail>,
  detail: (value: Detail) => Record<string, unknown>,
): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target ?? undefined,
    reason: row.reason ?? undefined,
    outcome: row.outcome,
    detail: row.detail === null ? undefined : detail(row.detail),
  };
}

/** An audit entry's values in column order (at, actor, action, target, reason, outcome, detail as JSON). */
export function auditValues(
  entry: AuditEntry,
): [number, string, string, string | null, string | null, string, string | null] {
  return [
    entry.at,
    entry.actor,
    entry.action,
    entry.target ?? null,
    entry.reason ?? null,
    entry.outcome,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
  ];
}

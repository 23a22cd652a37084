import type { DeliveryState } from './delivery-state.ts';
import type { EventHold, EventPosition, StoredEvent } from './events.ts';

/** What the admin API reads. */
export interface StoreReads {
  /** One page of events, newest first, each with its deliveries. */
  listEvents(filter: EventFilter): Promise<EventSummary[]>;
  event(id: string): Promise<StoredEvent | undefined>;
  /** The routes that held an event back, and why. */
  holdsOf(eventId: string): Promise<EventHold[]>;
  /** Every delivery of an event with every attempt, in delivery order. */
  deliveriesOf(eventId: string): Promise<DeliveryDetail[]>;
  delivery(id: number): Promise<DeliveryDetail | undefined>;
  /** Dead deliveries per endpoint. */
  deadCounts(): Promise<Map<string, number>>;
  /** Events received at or after `since`, oldest first, after the keyset position `after`. */
  eventsSince(since: number, after: EventPosition | undefined, limit: number): Promise<StoredEvent[]>;
}

export interface EventFilter {
  /** Received at or after this (epoch ms). */
  since: number;
  source: string | undefined;
  type: string | undefined;
  /** Only events having a delivery in this state, to this endpoint, or (both set) one delivery in that state to it. */
  state: DeliveryState | undefined;
  endpoint: string | undefined;
  /** Keyset position of the last row of the previous page (newest first). */
  before: EventPosition | undefined;
  limit: number;
}

export interface EventSummary {
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  contentType: string | undefined;
  size: number;
  deliveries: { id: number; endpoint: string; state: DeliveryState; attempts: number }[];
  /** Routes whose threshold held the event back. */
  heldBy: string[];
}

export interface DeliveryDetail {
  /** Names one delivery for good: never given to another, even after retention removed it. */
  id: number;
  eventId: string;
  endpoint: string;
  state: DeliveryState;
  attempts: number;
  step: number;
  createdAt: number;
  nextAttemptAt: number;
  finishedAt: number | undefined;
  /** Those of the last attempt recorded, whatever it led to (a release too); a cut-off completion leaves them. */
  lastStatus: number | undefined;
  lastError: string | undefined;
  attemptLog: AttemptEntry[];
}

export interface AttemptEntry {
  n: number;
  startedAt: number;
  durationMs: number;
  status: number | undefined;
  error: string | undefined;
  response: Buffer | undefined;
}

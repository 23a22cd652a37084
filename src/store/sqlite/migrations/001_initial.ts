/**
 * The first schema. Append-only: a released migration is never edited; a
 * change is a new numbered file.
 *
 * Delivery states: pending → in_flight → delivered | dead, and back to pending
 * for a retry. `dropped` is an operator's decision for a held backlog. Times
 * are epoch milliseconds passed in by the caller, never SQLite's clock.
 * `attempts` counts every request made; `step` counts the retry schedule's
 * steps used up, which waiting for a pause or a rate limit never does.
 */
export const initial = `
CREATE TABLE events (
  id TEXT NOT NULL PRIMARY KEY,
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  content_type TEXT,
  body BLOB NOT NULL
);
CREATE INDEX events_received ON events (received_at);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  step INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  finished_at INTEGER,
  last_status INTEGER,
  last_error TEXT,
  UNIQUE (event_id, endpoint)
);
-- First attempts and retries are claimed separately, so a backlog of retries
-- can never hide a fresh event from its lane.
CREATE INDEX deliveries_fresh ON deliveries (endpoint, next_attempt_at) WHERE state = 'pending' AND attempts = 0;
CREATE INDEX deliveries_retry ON deliveries (endpoint, next_attempt_at) WHERE state = 'pending' AND attempts > 0;
-- Oldest unfinished delivery per endpoint (ids grow with time), for the
-- oldest-pending gauge without scanning a backlog.
CREATE INDEX deliveries_unfinished ON deliveries (endpoint, id) WHERE state IN ('pending', 'in_flight');
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE state = 'in_flight';
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE attempts (
  delivery_id INTEGER NOT NULL,
  n INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  response BLOB,
  PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (source, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);

CREATE TABLE endpoint_state (
  name TEXT NOT NULL PRIMARY KEY,
  state TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  reason TEXT
) WITHOUT ROWID;
`;

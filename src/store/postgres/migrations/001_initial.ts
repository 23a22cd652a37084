/**
 * The first PostgreSQL schema: SQLite's tables (store/sqlite/migrations/),
 * in PostgreSQL's types. Append-only: a released migration is never edited;
 * a change is a new numbered file.
 *
 * Times are epoch milliseconds (bigint) passed in by relay, never the
 * server's clock: relays on several machines must agree on what "due" means
 * with the clock relay's tests control. A delivery's claim is named by
 * `claim`, drawn from a sequence at each claim, so two relays can never give
 * two claims the same name (SQLite names a claim by its lease's expiry, which
 * only one process ever sets); `claimed_by` is the instance that holds it,
 * so a restarted relay of the same name takes its own claims back at once.
 * Event ids are compared bytewise (COLLATE "C"), as SQLite does, so keyset
 * pages follow the same order whatever the database's locale.
 */
export const initial = `
CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  source text NOT NULL,
  type text NOT NULL,
  received_at bigint NOT NULL,
  content_type text,
  body bytea NOT NULL
);
CREATE INDEX events_received ON events (received_at, id);

CREATE SEQUENCE delivery_claims;
CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL,
  endpoint text NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  step integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  claim bigint,
  claimed_by text,
  finished_at bigint,
  last_status integer,
  last_error text,
  UNIQUE (event_id, endpoint)
);
-- First attempts and retries are claimed separately, so a backlog of retries
-- can never hide a fresh event from its lane.
CREATE INDEX deliveries_fresh ON deliveries (endpoint, next_attempt_at, id) WHERE state = 'pending' AND attempts = 0;
CREATE INDEX deliveries_retry ON deliveries (endpoint, next_attempt_at, id) WHERE state = 'pending' AND attempts > 0;
CREATE INDEX deliveries_unfinished ON deliveries (endpoint, id) WHERE state IN ('pending', 'in_flight');
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE state = 'in_flight';
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX deliveries_dead ON deliveries (endpoint, id) WHERE state = 'dead';

CREATE TABLE attempts (
  delivery_id bigint NOT NULL,
  n integer NOT NULL,
  started_at bigint NOT NULL,
  duration_ms integer NOT NULL,
  status integer,
  error text,
  response bytea,
  PRIMARY KEY (delivery_id, n)
);

CREATE TABLE idempotency_keys (
  source text NOT NULL,
  key text NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (source, key)
);
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);

CREATE TABLE endpoint_state (
  name text PRIMARY KEY,
  state text NOT NULL,
  changed_at bigint NOT NULL,
  reason text
);
`;

/**
 * Thresholds and per-key ordering, with SQLite's meaning (its migrations 007
 * and 008), stored the way concurrent relays need.
 *
 * A threshold count is one row per (route, key) holding the receive times of
 * the hits still within the window, oldest first (SQLite keeps a row per
 * hit). One row per key is what lets relays on several machines count one
 * key at once: the ingest statement takes the row's lock with INSERT … ON
 * CONFLICT DO UPDATE and appends to the latest committed list (see
 * enqueue-gated.ts). `expires_at` is when the newest hit leaves its window:
 * the row may go then.
 *
 * Holds say which threshold route kept an event from its endpoints.
 *
 * `order_key` is the key a delivery is ordered by on its endpoint (NULL for
 * unordered ones). A key's head is its oldest unfinished delivery (ids grow
 * with ingest): one probe of `deliveries_order` says whether an older one is
 * unfinished, one of `deliveries_order_in_flight` whether any of the key is
 * in flight.
 */
export const routing = `
CREATE TABLE threshold_counts (
  route text NOT NULL,
  key text NOT NULL,
  hits bigint[] NOT NULL,
  within_ms bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (route, key)
);
CREATE INDEX threshold_counts_expiry ON threshold_counts (expires_at);

CREATE TABLE event_holds (
  event_id text COLLATE "C" NOT NULL,
  route text NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (event_id, route)
);

ALTER TABLE deliveries ADD COLUMN order_key text;
CREATE INDEX deliveries_order ON deliveries (endpoint, order_key, id)
  WHERE order_key IS NOT NULL AND state IN ('pending', 'in_flight');
CREATE INDEX deliveries_order_in_flight ON deliveries (endpoint, order_key)
  WHERE order_key IS NOT NULL AND state = 'in_flight';
`;

/**
 * Endpoint ownership among the relays sharing the database (DESIGN "Several
 * relays on one PostgreSQL"). One lease row per endpoint: its owner, the
 * epoch (raised at every change of owner) and when it expires unless
 * renewed. A claim records the epoch it was taken under (`claim_epoch`); a
 * completion applies only while that is still the lease's epoch and owner,
 * so a relay that lost an endpoint can no longer mark its deliveries done.
 * Members say when they were last seen, so the live ones can share the
 * endpoints evenly.
 */
export const cluster = `
CREATE TABLE cluster_members (
  instance text PRIMARY KEY,
  last_seen bigint NOT NULL
);
CREATE TABLE endpoint_leases (
  endpoint text PRIMARY KEY,
  owner text,
  epoch bigint NOT NULL DEFAULT 0,
  expires_at bigint NOT NULL DEFAULT 0
);
CREATE INDEX endpoint_leases_owner ON endpoint_leases (owner);
ALTER TABLE deliveries ADD COLUMN claim_epoch bigint;
-- Which endpoints have attempts in flight: a relay handing leases over gives the idle ones first.
CREATE INDEX deliveries_in_flight ON deliveries (endpoint) WHERE state = 'in_flight';
`;

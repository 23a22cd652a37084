/**
 * Threshold counts: one hit per counted event, kept until its window ends,
 * so a count is one index range over (route, key, at). Holds record which
 * threshold route kept an event from its endpoints, for operators to see.
 */
export const thresholds = `
CREATE TABLE threshold_hits (
  route TEXT NOT NULL,
  key TEXT NOT NULL,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  event_id TEXT NOT NULL
);
CREATE INDEX threshold_hits_key ON threshold_hits (route, key, at);
CREATE INDEX threshold_hits_expiry ON threshold_hits (expires_at);

CREATE TABLE event_holds (
  event_id TEXT NOT NULL,
  route TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (event_id, route)
) WITHOUT ROWID;
`;

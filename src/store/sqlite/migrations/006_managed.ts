/**
 * Objects made through the admin API (endpoints, routes, settings), kept as
 * JSON documents in the config file's shape, and the audit log of every
 * change made through the API. Audit ids grow with time: pages go by id.
 */
export const managed = `
CREATE TABLE managed (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  reason TEXT,
  outcome TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX audit_at ON audit (at);
`;

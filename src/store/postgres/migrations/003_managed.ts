/** Objects made through the admin API and the audit log, as in SQLite's migration 006. */
export const managed = `
CREATE TABLE managed (
  kind text NOT NULL,
  name text NOT NULL,
  spec jsonb NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (kind, name)
);

CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  reason text,
  outcome text NOT NULL,
  detail jsonb
);
CREATE INDEX audit_at ON audit (at);
`;

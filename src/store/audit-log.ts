export interface AuditLog {
  /** Records a change that did not go through `managed.apply` (an operator action, a refused request). */
  append(entry: AuditEntry): Promise<void>;
  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(query: { since: number; before: number | undefined; limit: number }): Promise<AuditRecord[]>;
}

export interface AuditEntry {
  at: number;
  /** The name of the token that made the change (`admin` for the single `admin.token`, `loopback` without one). */
  actor: string;
  /** What was done: `endpoint.create`, `route.delete`, `endpoint.pause`, `webhooks.replace`… */
  action: string;
  /** What it was done to (an endpoint or route name, a delivery id), if anything. */
  target: string | undefined;
  /** The request's `X-Relay-Reason`. */
  reason: string | undefined;
  /** `ok`, or the error code the request was refused with. */
  outcome: string;
  /** Further facts, never a secret. */
  detail: Record<string, unknown> | undefined;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

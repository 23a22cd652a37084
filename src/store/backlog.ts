import type { Db } from './sqlite/db.ts';

/**
 * Unfinished deliveries (pending or in flight), counted in memory so that
 * `limits.max_pending` and the queue gauges never cost a COUNT query. Checked
 * against the database once at start.
 */
export class Backlog {
  private readonly byEndpoint = new Map<string, number>();
  private count = 0;

  static load(db: Db): Backlog {
    const backlog = new Backlog();
    const rows = db
      .prepare(
        `SELECT endpoint, count(*) AS n FROM deliveries
         WHERE state IN ('pending', 'in_flight') GROUP BY endpoint`,
      )
      .all() as { endpoint: string; n: number }[];
    for (const row of rows) backlog.add(row.endpoint, row.n);
    return backlog;
  }

  get total(): number {
    return this.count;
  }

  of(endpoint: string): number {
    return this.byEndpoint.get(endpoint) ?? 0;
  }

  add(endpoint: string, n = 1): void {
    this.byEndpoint.set(endpoint, this.of(endpoint) + n);
    this.count += n;
  }

  remove(endpoint: string, n = 1): void {
    this.add(endpoint, -n);
  }
}

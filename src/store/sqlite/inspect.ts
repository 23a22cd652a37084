import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Unfinished deliveries per endpoint, read from a database that a running
 * relay may own (read-only, no lock taken): what `relay check` compares with
 * the endpoints a config names. Undefined when there is no database yet.
 */
export function unfinishedByEndpoint(
  path: string,
  nativeBinding: () => object | undefined,
): Map<string, number> | undefined {
  if (!existsSync(path)) return undefined;
  const binding = nativeBinding();
  const db = new Database(path, {
    readonly: true,
    fileMustExist: true,
    ...(binding ? { nativeBinding: binding as never } : {}),
  });
  try {
    const rows = db
      .prepare(
        `SELECT endpoint, count(*) AS n FROM deliveries WHERE state IN ('pending', 'in_flight') GROUP BY endpoint`,
      )
      .all() as { endpoint: string; n: number }[];
    return new Map(rows.map((row) => [row.endpoint, row.n]));
  } finally {
    db.close();
  }
}

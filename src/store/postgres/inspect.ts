import pg from 'pg';
import { storageRefusal } from './errors.ts';

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Unfinished deliveries per endpoint, read with one connection of its own
 * and nothing changed (no migration): what `relay check` compares with the
 * endpoints a config names. Undefined when relay has not created its tables
 * yet; an unreachable database or refused login rejects with its RelayError.
 */
export async function unfinishedByEndpoint(url: string): Promise<Map<string, number> | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection the server drops emits here; the pending query reports it.
  client.on('error', () => {});
  try {
    await client.connect();
    const table = await client.query<{ found: string | null }>(
      "SELECT to_regclass('deliveries')::text AS found",
    );
    if (!table.rows[0]?.found) return undefined;
    const { rows } = await client.query<{ endpoint: string; n: string }>(
      `SELECT endpoint, count(*) AS n FROM deliveries WHERE state IN ('pending', 'in_flight') GROUP BY endpoint`,
    );
    return new Map(rows.map((row) => [row.endpoint, Number(row.n)]));
  } catch (error) {
    throw storageRefusal(error) ?? error;
  } finally {
    await client.end().catch(() => {});
  }
}

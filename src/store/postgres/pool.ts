import pg from 'pg';
import { toError } from '../../errors.ts';
import { refuseOrRethrow } from './errors.ts';

/** How long opening a connection may take before the caller hears "unreachable". */
const CONNECT_TIMEOUT_MS = 5_000;
const INT8_OID = 20;

export type PoolClient = pg.PoolClient;

/**
 * relay's ids, times and counts are bigint columns, all far below 2^53:
 * parse them as numbers on this pool only (not pg's process-wide default),
 * so rows map to relay's types without a cast in every statement.
 */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** The pool every statement runs on; whatever it throws is already relay's RelayError where one applies. */
export class Db {
  readonly size: number;
  private readonly pool: pg.Pool;

  /**
   * `durable: false` commits without waiting for the WAL flush
   * (synchronous_commit off, set for the connection at startup): for the
   * dispatcher's bookkeeping, where a server crash at worst resends a
   * delivery, which at-least-once allows.
   */
  constructor(url: string, size: number, applicationName: string, durable = true) {
    this.size = size;
    this.pool = new pg.Pool({
      connectionString: url,
      max: size,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: applicationName,
      types: types as never,
      ...(durable ? {} : { options: '-c synchronous_commit=off' }),
    });
    // An idle connection the server closed emits here; unhandled it would end
    // the process. The pool drops it, and the next query says what is wrong.
    this.pool.on('error', () => {});
  }

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    config: pg.QueryConfig | string,
  ): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(config as pg.QueryConfig).catch(refuseOrRethrow);
  }

  /** A connection of its own, for work that spans statements (migrations under their lock). */
  connect(): Promise<pg.PoolClient> {
    return this.pool.connect().catch(refuseOrRethrow);
  }

  /** Runs `work` in one transaction on a connection of its own. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.session(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    });
  }

  /**
   * Runs `work` on one connection (statements that share session state: a
   * transaction, an advisory lock). A connection that failed is closed, not
   * pooled: its state is in doubt.
   */
  async session<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    // A checked-out connection the server ends between two statements emits
    // here, not to the pool; unhandled, it would end the process.
    const ended = (error: Error) => {
      broken = error;
    };
    client.on('error', ended);
    try {
      return await work(client);
    } catch (error) {
      broken = toError(error);
      return refuseOrRethrow(error);
    } finally {
      client.off('error', ended);
      client.release(broken);
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

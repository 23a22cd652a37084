/**
 * The two PostgreSQL drivers behind one small interface for
 * scripts/bench/pg-drivers.ts: `pg` (node-postgres, with its Pool) and
 * `postgres` (porsager's postgres.js). Each runs the same SQL text as a
 * prepared statement, which is how a store would run them.
 */
import pg from 'pg';
import postgres from 'postgres';
import { CLAIM, COMPLETE, INSERT_UNNEST, insertMultirow } from './pg-outbox-sql.ts';

export interface BenchEvent {
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  body: Buffer;
  idempotencyKey: string;
}

export interface Claimed {
  id: string;
  body: Buffer;
}

export interface DriverClient {
  name: 'pg' | 'postgres';
  insertMultirow(events: BenchEvent[], endpoint: string, dueAt: number): Promise<void>;
  insertUnnest(events: BenchEvent[], endpoint: string, dueAt: number): Promise<void>;
  claim(endpoint: string, now: number, limit: number): Promise<Claimed[]>;
  complete(ids: string[], states: string[]): Promise<void>;
  close(): Promise<void>;
}

type Param = string | number | Buffer | string[] | number[] | Buffer[] | postgres.Parameter;

function multirowParams(events: BenchEvent[], endpoint: string, dueAt: number): Param[] {
  const values: Param[] = [];
  for (const e of events) values.push(e.id, e.source, e.type, e.receivedAt, e.body, e.idempotencyKey);
  values.push(endpoint, dueAt);
  return values;
}

function unnestParams(
  events: BenchEvent[],
  endpoint: string,
  dueAt: number,
  byteaArray: (bodies: Buffer[]) => Param = (bodies) => bodies,
): Param[] {
  return [
    events.map((e) => e.id),
    events.map((e) => e.source),
    events.map((e) => e.type),
    events.map((e) => e.receivedAt),
    byteaArray(events.map((e) => e.body)),
    events.map((e) => e.idempotencyKey),
    endpoint,
    dueAt,
  ];
}

/** One statement text per batch size, built once. */
function multirowText(): (n: number) => string {
  const texts = new Map<number, string>();
  return (n) => {
    let text = texts.get(n);
    if (!text) {
      text = insertMultirow(n);
      texts.set(n, text);
    }
    return text;
  };
}

export function pgClient(url: string, connections: number): DriverClient {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const text = multirowText();
  // A name makes pg prepare the statement once per connection and then only bind and execute it.
  return {
    name: 'pg',
    async insertMultirow(events, endpoint, dueAt) {
      const n = events.length;
      await pool.query({
        name: `ins-multi-${n}`,
        text: text(n),
        values: multirowParams(events, endpoint, dueAt),
      });
    },
    async insertUnnest(events, endpoint, dueAt) {
      await pool.query({
        name: 'ins-unnest',
        text: INSERT_UNNEST,
        values: unnestParams(events, endpoint, dueAt),
      });
    },
    async claim(endpoint, now, limit) {
      const result = await pool.query<Claimed>({
        name: 'claim',
        text: CLAIM,
        values: [endpoint, now, limit],
      });
      return result.rows;
    },
    async complete(ids, states) {
      await pool.query({ name: 'complete', text: COMPLETE, values: [ids, states] });
    },
    close: () => pool.end(),
  };
}

export function postgresClient(url: string, connections: number): DriverClient {
  // fetch_types stays on: it registers the array serializers that unnest's array parameters need.
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  const text = multirowText();
  // `unsafe` with prepare: the same SQL text as pg, prepared once per connection (the tagged template
  // would build the same statement for a fixed shape; a multi-row insert of n rows needs n-dependent text).
  const run = (query: string, values: Param[]) => sql.unsafe(query, values as never[], { prepare: true });
  // postgres.js types an array by its first element, and would send bytea[] as one bytea: say so.
  const byteaArray = (bodies: Buffer[]) => sql.array(bodies as never[]) as unknown as postgres.Parameter;
  return {
    name: 'postgres',
    async insertMultirow(events, endpoint, dueAt) {
      await run(text(events.length), multirowParams(events, endpoint, dueAt));
    },
    async insertUnnest(events, endpoint, dueAt) {
      await run(INSERT_UNNEST, unnestParams(events, endpoint, dueAt, byteaArray));
    },
    async claim(endpoint, now, limit) {
      return (await run(CLAIM, [endpoint, now, limit])) as unknown as Claimed[];
    },
    async complete(ids, states) {
      await run(COMPLETE, [ids, states]);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

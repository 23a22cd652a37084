import { readDatabase } from '../helpers/sqlite.ts';

// biome-ignore lint/suspicious/noExplicitAny: each test reads the fields it checks from an answer
type Json = any;

export interface Answer<T = Json> {
  status: number;
  json: T;
  text: string;
  headers: Headers;
}

/** Calls the admin API of a relay (JSON in, JSON out). */
export async function api<T = Json>(
  adminUrl: string,
  path: string,
  options: { method?: string; body?: unknown; token?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${adminUrl}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export const post = <T = Json>(adminUrl: string, path: string, body: unknown = {}, token?: string) =>
  api<T>(adminUrl, path, { method: 'POST', body, ...(token === undefined ? {} : { token }) });

/** Each delivery's state in the database, by event id and endpoint. */
export function deliveryStates(dbPath: string): { event_id: string; endpoint: string; state: string }[] {
  return readDatabase(dbPath, (db) =>
    db.prepare('SELECT event_id, endpoint, state FROM deliveries ORDER BY id').all(),
  ) as { event_id: string; endpoint: string; state: string }[];
}

/** Polls until `check` returns true (completions are committed just after a target answers). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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

export interface ListedDelivery {
  id: number;
  event_id: string;
  endpoint: string;
  state: string;
  attempt_count: number;
}

export interface ListedEvent {
  id: string;
  source: string;
  type: string;
  deliveries: Omit<ListedDelivery, 'event_id'>[];
}

/** Every event the admin API lists (GET /admin/events, page by page), newest first; `query` filters as that route does. */
export async function listEvents(adminUrl: string, query = '', token?: string): Promise<ListedEvent[]> {
  const all: ListedEvent[] = [];
  let cursor: string | undefined;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', '500');
    if (cursor) params.set('cursor', cursor);
    const page = await api(adminUrl, `/admin/events?${params}`, token === undefined ? {} : { token });
    if (page.status !== 200) throw new Error(`GET /admin/events answered ${page.status}: ${page.text}`);
    all.push(...(page.json.events as ListedEvent[]));
    cursor = page.json.next_cursor;
  } while (cursor);
  return all;
}

/** Every delivery the admin API lists, in id order; `query` filters the events as GET /admin/events does. */
export async function listDeliveries(
  adminUrl: string,
  query = '',
  token?: string,
): Promise<ListedDelivery[]> {
  const events = await listEvents(adminUrl, query, token);
  return events
    .flatMap((event) => event.deliveries.map((d) => ({ ...d, event_id: event.id })))
    .sort((a, b) => a.id - b.id);
}

/**
 * Polls until `check` returns true. Only for a spawned relay, whose outcomes
 * cannot be awaited in-process (test/helpers/settled.ts): await the target's
 * requests first, so what is polled for is only the commit that follows.
 */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import { request } from 'undici';

/** A backfill or a large replay answers only when done: give it time. */
const ANSWER_TIMEOUT_MS = 10 * 60_000;

/** The admin API refused a call; `message` is the server's own. */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
  }
}

/** The ops CLI's side of the admin API: JSON in, JSON out, one clear error otherwise. */
export class AdminClient {
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(base: string, token: string | undefined) {
    this.base = base.replace(/\/+$/, '');
    this.token = token;
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
    const search = params.size > 0 ? `?${params}` : '';
    return this.call<T>('GET', `${path}${search}`, undefined);
  }

  post<T>(path: string, body: Record<string, unknown> = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const answer = await request(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        headersTimeout: ANSWER_TIMEOUT_MS,
        bodyTimeout: ANSWER_TIMEOUT_MS,
      });
      status = answer.statusCode;
      text = await answer.body.text();
    } catch (error) {
      throw new Error(`cannot reach the admin API at ${this.base}: ${reason(error)}`);
    }
    const json = parse(text);
    if (status >= 200 && status < 300 && json !== undefined) return json as T;
    throw refusal(status, json, text);
  }
}

function refusal(status: number, json: unknown, text: string): AdminApiError {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    // Not relay's admin API answering (a proxy, another service on that port).
    return new AdminApiError(status, 'UNEXPECTED', `unexpected answer ${status}: ${text.slice(0, 200)}`);
  }
  const hint =
    error.code === 'RELAY_ERR_UNAUTHORIZED'
      ? ' (pass --token or set RELAY_ADMIN_TOKEN)'
      : error.code === 'RELAY_ERR_FORBIDDEN'
        ? ' (set admin.token in the config)'
        : '';
  return new AdminApiError(status, error.code, `${error.message}${hint}`);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof cause === 'string') return cause;
  if (typeof code === 'string' && code !== 'UND_ERR') return code;
  return error instanceof Error ? error.message : String(error);
}

import { request } from 'undici';

/** A backfill or a large replay answers only when done: give it time. */
const ANSWER_TIMEOUT_MS = 10 * 60_000;

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The admin API refused a call; `message` is the server's own, then each problem it listed on a line. */
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

/** One Server-Sent Event as the admin stream sends it. */
export interface StreamMessage {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** A stream with nothing on it for this long is dead: relay pings every 15 s. */
const STREAM_SILENCE_MS = 60_000;

/** The ops CLI's side of the admin API: JSON in, JSON out, one clear error otherwise. */
export class AdminClient {
  private readonly base: string;
  private readonly token: string | undefined;
  /** Sent as X-Relay-Reason with every call: what the audit log records as why. */
  private readonly reason: string | undefined;

  constructor(base: string, token: string | undefined, reason?: string) {
    this.base = base.replace(/\/+$/, '');
    this.token = token;
    this.reason = reason;
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

  send<T>(method: Method, path: string, body?: Record<string, unknown>): Promise<T> {
    return this.call<T>(method, path, body);
  }

  /**
   * Reads a Server-Sent Events stream, calling `each` per message, until the
   * server ends it (an error: relay stopped, or dropped this reader) or
   * `signal` aborts it (a clean return). `opened` is called once the stream is accepted.
   */
  async stream(
    path: string,
    each: (message: StreamMessage) => void,
    signal: AbortSignal,
    opened: () => void,
  ): Promise<void> {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(`${this.base}${path}`, {
        headers: { ...this.headers(), accept: 'text/event-stream' },
        signal,
        bodyTimeout: STREAM_SILENCE_MS,
      });
    } catch (error) {
      if (signal.aborted) return;
      throw new Error(`cannot reach the admin API at ${this.base}: ${reason(error)}`);
    }
    if (answer.statusCode !== 200) {
      const text = await answer.body.text();
      throw refusal(answer.statusCode, parse(text), text);
    }
    opened();
    let pending = '';
    try {
      for await (const chunk of answer.body.setEncoding('utf8')) {
        pending += chunk as string;
        for (let end = pending.indexOf('\n\n'); end >= 0; end = pending.indexOf('\n\n')) {
          const message = parseEvent(pending.slice(0, end));
          pending = pending.slice(end + 2);
          if (message) each(message);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      throw new Error(`the stream from ${this.base} broke off: ${reason(error)}`);
    }
    if (!signal.aborted) {
      throw new Error('the admin API ended the stream (relay stopped, or found this reader too slow)');
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.reason) headers['x-relay-reason'] = this.reason;
    return headers;
  }

  private async call<T>(method: Method, path: string, body: unknown): Promise<T> {
    const headers = this.headers();
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
  const answer = json as
    | {
        error?: { code?: unknown; message?: unknown; problems?: unknown };
        status?: unknown;
        message?: unknown;
      }
    | undefined;
  // The SendBlue-style webhooks API answers errors in SendBlue's shape.
  if (answer?.status === 'ERROR' && typeof answer.message === 'string') {
    return new AdminApiError(status, 'ERROR', answer.message);
  }
  const error = answer?.error;
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
  const problems = Array.isArray(error.problems) ? error.problems.map(String) : [];
  if (problems.length === 0) return new AdminApiError(status, error.code, `${error.message}${hint}`);
  // The message repeats the problems after a colon: print them one per line instead.
  const listed = `: ${problems.join('; ')}`;
  const summary = error.message.endsWith(listed) ? error.message.slice(0, -listed.length) : error.message;
  return new AdminApiError(status, error.code, [summary, ...problems.map((p) => `  ${p}`)].join('\n'));
}

/** One `id:` / `event:` / `data:` block; comments (`: ping`) and blocks without an event are none. */
function parseEvent(block: string): StreamMessage | undefined {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
  }
  const event = fields.get('event');
  const data = fields.get('data');
  if (event === undefined || data === undefined) return undefined;
  return { id: Number(fields.get('id')), event, data: parse(data) as Record<string, unknown> };
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

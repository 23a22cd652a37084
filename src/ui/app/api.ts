import type { AdminRole } from '../../config/types.ts';

const TOKEN_KEY = 'relay.admin-token';

/** An admin API error: its code, message and, for a config problem, the `path: reason` list. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: string[];

  constructor(status: number, code: string, message: string, problems: string[]) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
  }
}

/** The token lives in this tab's session storage only: closing the tab signs out. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthorized: () => void = () => {};

/** What the app does when the API answers 401: forget the token and ask again. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A token to try instead of the session's: sign-in checks one before keeping it. */
  token?: string;
}

/** Calls `/admin/<path>` with the session's bearer; a 401 signs out. */
export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const token = options.token ?? session.token();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/admin/${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (res.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string; problems?: string[] } } | undefined)
    ?.error;
  if (res.status === 401) {
    session.signOut();
    onUnauthorized();
  }
  throw new ApiError(
    res.status,
    error?.code ?? `HTTP_${res.status}`,
    error?.message ?? res.statusText,
    error?.problems ?? [],
  );
}

export interface Whoami {
  name: string;
  role: AdminRole;
}

const rank: Record<AdminRole, number> = { read: 0, operate: 1, admin: 2 };

/** True when `role` includes `needed` (the server decides; this only hides buttons it would refuse). */
export function may(role: AdminRole, needed: AdminRole): boolean {
  return rank[role] >= rank[needed];
}

/** A query string of the non-empty values. */
export function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

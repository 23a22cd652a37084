/**
 * Every error relay reports to a caller carries a stable code. HTTP answers use
 * the status registered here; logs and tests match on the code, never on text.
 */
export const errorStatus = {
  RELAY_ERR_CONFIG: 500,
  RELAY_ERR_BAD_REQUEST: 400,
  RELAY_ERR_UNAUTHORIZED: 401,
  RELAY_ERR_FORBIDDEN: 403,
  RELAY_ERR_NOT_FOUND: 404,
  RELAY_ERR_UNKNOWN_SOURCE: 404,
  RELAY_ERR_METHOD_NOT_ALLOWED: 405,
  RELAY_ERR_CONFLICT: 409,
  RELAY_ERR_BODY_TOO_LARGE: 413,
  RELAY_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  RELAY_ERR_UNAVAILABLE: 503,
  RELAY_ERR_STORAGE_FULL: 503,
  RELAY_ERR_STORAGE_BUSY: 503,
  RELAY_ERR_BACKLOG_FULL: 503,
  RELAY_ERR_SHUTTING_DOWN: 503,
  RELAY_ERR_DATABASE_LOCKED: 500,
  RELAY_ERR_SCHEMA_TOO_NEW: 500,
  RELAY_ERR_INTERNAL: 500,
} as const;

export type RelayErrorCode = keyof typeof errorStatus;

export class RelayError extends Error {
  readonly code: RelayErrorCode;
  readonly status: number;
  /** Each thing wrong with a request body, as `path: reason` (shown to the caller). */
  readonly problems: readonly string[] | undefined;

  constructor(
    code: RelayErrorCode,
    message: string,
    options?: { cause?: unknown; problems?: readonly string[] },
  ) {
    super(message, options);
    this.name = 'RelayError';
    this.code = code;
    this.status = errorStatus[code];
    this.problems = options?.problems;
  }
}

/** A config file that cannot be used; `problems` holds one `path: reason` line each. */
export class ConfigError extends RelayError {
  declare readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('RELAY_ERR_CONFIG', `invalid config:\n${problems.join('\n')}`, { problems });
    this.name = 'ConfigError';
  }
}

/**
 * A reload that would change settings bound when relay started (its sockets,
 * its database): none of the new file is applied, and the running config stays.
 */
export class RestartRequiredError extends RelayError {
  /** The dotted config keys that differ, e.g. `listen.ingest`. */
  readonly settings: readonly string[];

  constructor(settings: readonly string[]) {
    super('RELAY_ERR_CONFIG', `these settings change only at a restart: ${settings.join(', ')}`);
    this.name = 'RestartRequiredError';
    this.settings = settings;
  }
}

/** Coerce whatever a `catch` received into an Error. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** The `code` property a driver or the OS put on an error (SQLITE_BUSY, ECONNRESET…), if any. */
export function errorCode(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

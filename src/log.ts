import pino, { type Logger } from 'pino';

export type { Logger };

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * JSON lines on stdout, written synchronously from the main thread (no worker
 * transport: the single executable cannot load one). Secrets never reach a
 * log call; as a second guard, the usual credential headers are redacted.
 *
 * Synchronous on purpose: pino's default asynchronous destination flushes its
 * buffer at exit in a loop that retries every 100 ms until the write succeeds,
 * so a relay whose stdout reader had gone (EPIPE) could hang at exit forever.
 * A synchronous write that fails with EPIPE makes pino drop later lines instead.
 */
export function createLogger(
  level: LogLevel = 'info',
  destination: pino.DestinationStream = stdoutDestination(),
): Logger {
  return pino(
    {
      level,
      base: { service: 'relay' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'headers.authorization',
          'headers.cookie',
          'headers["sb-signing-secret"]',
          '*.secret',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

function stdoutDestination(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}

/** A background task relay runs on its own: a failure there has no caller to answer. */
export type BackgroundTask =
  | 'retention'
  | 'lease_sweep'
  | 'readiness'
  | 'ops_event'
  | 'cluster_renew'
  | 'managed_sync';

/**
 * Failures of background tasks, which no request would ever report: each is
 * counted (relay_background_errors_total{task}) every time, and logged once
 * per distinct message until the task succeeds again, so a pass that fails
 * every 10 s says so once instead of flooding the log.
 */
export class BackgroundFailures {
  private readonly log: Logger;
  private readonly count: (task: BackgroundTask) => void;
  private readonly lastLogged = new Map<BackgroundTask, string>();

  constructor(log: Logger, count: (task: BackgroundTask) => void) {
    this.log = log;
    this.count = count;
  }

  report(task: BackgroundTask, error: unknown): void {
    this.count(task);
    const message = error instanceof Error ? error.message : String(error);
    if (this.lastLogged.get(task) === message) return;
    this.lastLogged.set(task, message);
    this.log.error({ err: error, task }, `background task ${task} failed`);
  }

  recovered(task: BackgroundTask): void {
    if (this.lastLogged.delete(task)) this.log.info({ task }, `background task ${task} works again`);
  }
}

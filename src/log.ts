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

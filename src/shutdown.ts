import type { Logger } from './log.ts';
import type { Relay } from './main.ts';
import type { ConfigReloader } from './reload.ts';

/**
 * SIGHUP reloads the config. SIGTERM or SIGINT starts a graceful stop (readiness fails, ingest drains,
 * in-flight work finishes); a second signal exits at once. Nothing
 * acknowledged is lost either way: it is already in the database.
 */
export function handleSignals(relay: Relay, log: Logger, reloader: ConfigReloader): void {
  let stopping = false;
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'reloading config');
    reloader.reload();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    reloader.stop();
    log.info({ signal }, 'stopping');
    relay.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

import { RestartRequiredError } from '../errors.ts';
import type { RelayConfig } from './schema.ts';

/**
 * Settings bound when relay starts: the listeners' sockets and the limits they
 * were created with, and the database (opened once, with its durability and
 * size cap). Every other setting applies on reload.
 */
const RESTART_ONLY: Record<string, (config: RelayConfig) => unknown> = {
  'listen.ingest': (c) => c.listen.ingest,
  'listen.admin': (c) => c.listen.admin,
  'storage.backend': (c) => c.storage.backend,
  'storage.path': (c) => c.storage.path,
  'storage.url': (c) => c.storage.url,
  'storage.pool': (c) => c.storage.pool,
  'cluster.instance': (c) => c.cluster.instance,
  'storage.durability': (c) => c.storage.durability,
  'storage.max_size': (c) => c.storage.max_size,
  'limits.max_connections': (c) => c.limits.max_connections,
  'limits.header_timeout': (c) => c.limits.header_timeout,
  'limits.request_timeout': (c) => c.limits.request_timeout,
};

export const RESTART_ONLY_SETTINGS: readonly string[] = Object.keys(RESTART_ONLY);

/**
 * Throws RestartRequiredError when `next` changes a restart-only setting of
 * `running`. The reload is refused whole rather than applied in part: a running
 * config made of the new file less some of its settings would match no file.
 */
export function refuseRestartOnlyChanges(running: RelayConfig, next: RelayConfig): void {
  const changed = Object.entries(RESTART_ONLY)
    .filter(([, read]) => JSON.stringify(read(running)) !== JSON.stringify(read(next)))
    .map(([key]) => key);
  if (changed.length > 0) throw new RestartRequiredError(changed);
}

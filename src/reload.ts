import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { RelayConfig } from './config/schema.ts';
import { ConfigError, RestartRequiredError } from './errors.ts';
import type { Logger } from './log.ts';
import type { Relay } from './main.ts';
import type { ReloadResult } from './metrics.ts';

/** Editors save in bursts (write, rename, chmod): wait for the burst to end. */
const DEBOUNCE_MS = 200;

/** How often the file's status is read: a stat a quarter second, nothing in between. */
const POLL_MS = 250;

export interface ReloaderOptions {
  file: string;
  relay: Relay;
  log: Logger;
  load: (file: string) => RelayConfig;
}

/**
 * Reloads the config on SIGHUP (the caller wires the signal to `reload`) and
 * when the file changes. The file's path is polled (its status: inode, size,
 * times), not watched with inotify: editors replace files by rename and
 * container config maps by a symlink swap, which a watch on the old inode
 * never sees, and a watch on the directory wakes relay at every write of
 * anything in it, the database's WAL beside the config first of all (a wake-up
 * per commit; README, "What moved the figures"). A poll of the path follows
 * renames and symlinks as they are now. An invalid new file, or one
 * that changes a setting only a restart can apply, keeps the running config:
 * the refusal is logged and counted, and relay_config_last_reload_successful
 * says the file is not what runs until a reload succeeds.
 */
export class ConfigReloader {
  private readonly options: ReloaderOptions;
  private timer: NodeJS.Timeout | undefined;
  private lastDigest: string | undefined;

  constructor(options: ReloaderOptions) {
    this.options = options;
    this.lastDigest = this.digest();
    // The running config came from this file.
    options.relay.metrics.configLastReloadSuccessful.set(1);
  }

  watch(): void {
    watchFile(this.options.file, { interval: POLL_MS, persistent: false }, this.changed);
    // watchFile takes its first status on the thread pool, after this returns: a write made before
    // that is in its baseline and never seen as a change. The file's digest, taken when this
    // reloader was made, is compared once more after the first poll.
    this.timer = setTimeout(() => this.reloadIfChanged(), POLL_MS);
  }

  /** Reloads now, whether or not the file changed (SIGHUP: secret files may have). */
  reload(): boolean {
    this.lastDigest = this.digest();
    const { relay, log, load, file } = this.options;
    let config: RelayConfig;
    try {
      config = load(file);
    } catch (error) {
      this.count('error');
      if (error instanceof ConfigError) {
        log.error({ problems: error.problems }, 'config reload refused; the running config stays');
      } else {
        log.error({ err: error }, 'config reload failed; the running config stays');
      }
      return false;
    }
    try {
      relay.reload(config);
    } catch (error) {
      if (error instanceof ConfigError) {
        // The file is valid alone but not with the objects made through the admin API (a name in both).
        this.count('error');
        log.error({ problems: error.problems }, 'config reload refused; the running config stays');
        return false;
      }
      if (!(error instanceof RestartRequiredError)) throw error;
      this.count('restart_required');
      log.error(
        { settings: error.settings },
        'config reload refused: it changes settings that apply only at a restart; nothing of it applied, the running config stays',
      );
      return false;
    }
    this.count('success');
    log.info(
      { endpoints: Object.keys(config.endpoints).length, routes: config.routes.length },
      'config reloaded',
    );
    return true;
  }

  stop(): void {
    clearTimeout(this.timer);
    // A no-op when `watch` never ran.
    unwatchFile(this.options.file, this.changed);
  }

  /** The file's status changed (edited, replaced, removed or back): reload once the burst is over. */
  private readonly changed = (): void => {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reloadIfChanged(), DEBOUNCE_MS);
  };

  private count(result: ReloadResult): void {
    const { metrics } = this.options.relay;
    metrics.configReloads.inc({ result });
    metrics.configLastReloadSuccessful.set(result === 'success' ? 1 : 0);
  }

  private reloadIfChanged(): void {
    if (this.digest() === this.lastDigest) return;
    this.reload();
  }

  private digest(): string | undefined {
    try {
      return createHash('sha256').update(readFileSync(this.options.file)).digest('hex');
    } catch {
      return undefined;
    }
  }
}

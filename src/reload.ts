import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { RelayConfig } from './config/schema.ts';
import { ConfigError, RestartRequiredError } from './errors.ts';
import type { Logger } from './log.ts';
import type { Relay } from './main.ts';
import type { ReloadResult } from './metrics.ts';

/** Editors save in bursts (write, rename, chmod): wait for the burst to end. */
const DEBOUNCE_MS = 200;

export interface ReloaderOptions {
  file: string;
  relay: Relay;
  log: Logger;
  load: (file: string) => RelayConfig;
}

/**
 * Reloads the config on SIGHUP (the caller wires the signal to `reload`) and
 * when the file changes. The directory is watched, not the file: editors
 * replace files by rename and container config maps by a symlink swap, and a
 * watch on the old inode would never fire again. An invalid new file, or one
 * that changes a setting only a restart can apply, keeps the running config:
 * the refusal is logged and counted, and relay_config_last_reload_successful
 * says the file is not what runs until a reload succeeds.
 */
export class ConfigReloader {
  private readonly options: ReloaderOptions;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastDigest: string | undefined;

  constructor(options: ReloaderOptions) {
    this.options = options;
    this.lastDigest = this.digest();
    // The running config came from this file.
    options.relay.metrics.configLastReloadSuccessful.set(1);
  }

  watch(): void {
    const name = basename(this.options.file);
    this.watcher = watch(dirname(this.options.file), (_event, changed) => {
      // A config map swaps a `..data` symlink, not the file's own name: any change may matter.
      if (changed !== null && changed !== name && !changed.startsWith('..')) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reloadIfChanged(), DEBOUNCE_MS);
    });
    this.watcher.on('error', (error) => this.options.log.warn({ err: error }, 'config watch failed'));
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
    this.watcher?.close();
  }

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

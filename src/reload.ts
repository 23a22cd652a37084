import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { RelayConfig } from './config/schema.ts';
import { ConfigError } from './errors.ts';
import type { Logger } from './log.ts';
import type { Relay } from './main.ts';

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
 * watch on the old inode would never fire again. An invalid new file keeps
 * the running config; every problem is logged and the error counted.
 */
export class ConfigReloader {
  private readonly options: ReloaderOptions;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastDigest: string | undefined;

  constructor(options: ReloaderOptions) {
    this.options = options;
    this.lastDigest = this.digest();
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
      relay.metrics.configReloads.inc({ result: 'error' });
      if (error instanceof ConfigError) {
        log.error({ problems: error.problems }, 'config reload refused; the running config stays');
      } else {
        log.error({ err: error }, 'config reload failed; the running config stays');
      }
      return false;
    }
    relay.reload(config);
    relay.metrics.configReloads.inc({ result: 'success' });
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

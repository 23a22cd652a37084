import { createHash } from 'node:crypto';
import { readFileSync, type Stats, stat, statSync } from 'node:fs';
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
  /** The file as it was before the running config was read from it (`loadWatched`). */
  baseline: FileBaseline;
}

/** What the file was when relay read it, for telling later polls and reloads whether it changed since. */
export interface FileBaseline {
  status: string;
  digest: string | undefined;
}

/**
 * The config as relay first loads it, with the file's baseline taken before the
 * read rather than when the reloader is made: an edit while relay starts
 * (seconds, on PostgreSQL) would otherwise be the baseline and never applied.
 * Status first, then digest, then the load: an edit between any two is either
 * in the loaded text or seen by the first poll, whose reload of the same text
 * is harmless.
 */
export function loadWatched(
  file: string,
  load: (file: string) => RelayConfig,
): { config: RelayConfig; baseline: FileBaseline } {
  const baseline = { status: statusOf(statOrUndefined(file)), digest: digestOf(file) };
  return { config: load(file), baseline };
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
  private poll: NodeJS.Timeout | undefined;
  private lastDigest: string | undefined;
  /** The file's status when last seen: the baseline's until a poll sees another. */
  private lastStatus: string;

  constructor(options: ReloaderOptions) {
    this.options = options;
    this.lastDigest = options.baseline.digest;
    this.lastStatus = options.baseline.status;
    // The running config came from this file.
    options.relay.metrics.configLastReloadSuccessful.set(1);
  }

  watch(): void {
    this.poll ??= setInterval(() => {
      stat(this.options.file, (error, stats) => {
        const status = statusOf(error ? undefined : stats);
        // A stat still on the thread pool when `stop` ran must not start a reload of a stopped relay.
        if (this.poll === undefined || status === this.lastStatus) return;
        this.lastStatus = status;
        this.changed();
      });
    }, POLL_MS).unref();
  }

  /**
   * Reloads now, whether or not the file changed (SIGHUP: secret files may have).
   * `digest`: the file's, when the caller has just read it.
   */
  reload(digest = digestOf(this.options.file)): boolean {
    this.lastDigest = digest;
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
    clearInterval(this.poll);
    this.poll = undefined;
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
    const digest = digestOf(this.options.file);
    if (digest !== this.lastDigest) this.reload(digest);
  }
}

function digestOf(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** What a poll compares, as the path finds the file now: a rename or a symlink swap changes the inode. */
function statusOf(stats: Stats | undefined): string {
  return stats === undefined ? 'missing' : `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

import type { LiveConfig } from './config/live.ts';
import type { RelayConfig } from './config/schema.ts';
import { ConfigError } from './errors.ts';
import type { BackgroundFailures, Logger } from './log.ts';
import type { ManagedObjects } from './store/store.ts';

export interface ManagedSyncDeps {
  managed: ManagedObjects;
  live: LiveConfig;
  /** Applies a new running config exactly as a change through this relay's admin API does. */
  apply(config: RelayConfig): void;
  log: Logger;
  failures: BackgroundFailures;
  /** How often the stored version is compared (the backstop); undefined: never, no other relay shares the store. */
  every: number | undefined;
}

/** What made this relay read the managed objects again: a hint, a re-established signal connection, the backstop. */
type Reason = 'changed' | 'resync' | 'poll';

/**
 * Keeps the managed endpoints and routes of this relay those stored, when
 * other relays sharing the store change them: on each hint (a notification),
 * after the signal connection was lost and found again, and when the stored
 * version differs from the one last compared (a hint lost some other way).
 * Every read is whole (the list, not the hint's content), so reading twice
 * applies nothing twice. Objects that no longer fit this relay's file are
 * refused as a reload would be: logged, and the running config stays.
 */
export class ManagedSync {
  private readonly deps: ManagedSyncDeps;
  private timer: NodeJS.Timeout | undefined;
  private comparedVersion: string | undefined;
  private requested: Reason | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(deps: ManagedSyncDeps) {
    this.deps = deps;
  }

  start(): void {
    this.deps.managed.watch((signal) => void this.request(signal.kind));
    if (this.deps.every === undefined) return;
    this.timer = setInterval(() => void this.poll(), this.deps.every);
    this.timer.unref();
  }

  /** No read starts after this; one under way is waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Reads again once whatever read is under way ends; requests meanwhile share that one read. */
  private request(reason: Reason): Promise<void> {
    this.requested ??= reason;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.requested !== undefined && !this.stopped) {
      const reason = this.requested;
      this.requested = undefined;
      await this.readOnce(reason);
    }
  }

  private async poll(): Promise<void> {
    try {
      const version = await this.deps.managed.version();
      if (version === this.comparedVersion) return;
      this.comparedVersion = version;
      await this.request('poll');
    } catch (error) {
      this.deps.failures.report('managed_sync', error);
    }
  }

  private async readOnce(reason: Reason): Promise<void> {
    const { live, managed, log, failures } = this.deps;
    let config: RelayConfig | undefined;
    try {
      config = await live.adoptManaged(async () =>
        (await managed.list()).map(({ kind, name, spec }) => ({ kind, name, spec })),
      );
      failures.recovered('managed_sync');
    } catch (error) {
      if (!(error instanceof ConfigError)) {
        failures.report('managed_sync', error);
        return;
      }
      log.error(
        { problems: error.problems, reason },
        "managed objects changed through another relay do not fit this relay's config file; the running config stays",
      );
      return;
    }
    if (config === undefined) return;
    this.deps.apply(config);
    const objects = live.managed;
    log.info(
      {
        reason,
        endpoints: objects.filter((o) => o.kind === 'endpoint').length,
        routes: objects.filter((o) => o.kind === 'route').length,
      },
      'managed objects changed through another relay: applied',
    );
  }
}

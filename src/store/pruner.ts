import type { Clock } from '../clock.ts';
import type { BackgroundFailures, Logger } from '../log.ts';
import type { PruneResult, Store } from './store.ts';

export interface PrunerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  failures: BackgroundFailures;
  /** `storage.retention`, read at each pass so a reload applies. */
  retention: () => number;
  intervalMs?: number;
}

/** Prunes finished work on a timer; the store runs each pass in small batches so ingest interleaves. */
export class Pruner {
  private readonly options: PrunerOptions;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<PruneResult> | undefined;

  constructor(options: PrunerOptions) {
    this.options = options;
    this.timer = setInterval(() => {
      this.pruneNow().then(
        () => options.failures.recovered('retention'),
        (error: unknown) => options.failures.report('retention', error),
      );
    }, options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** One full pass; concurrent callers share it. */
  pruneNow(): Promise<PruneResult> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async pass(): Promise<PruneResult> {
    const { store, clock, retention, log } = this.options;
    const now = clock.now();
    const total = await store.prune(now - retention(), now);
    if (total.deliveries + total.events + total.keys > 0) log.debug(total, 'retention pass');
    return total;
  }
}

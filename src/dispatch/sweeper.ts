import type { Clock } from '../clock.ts';
import type { BackgroundFailures, Logger } from '../log.ts';
import type { Store } from '../store/store.ts';

export interface SweeperDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  failures: BackgroundFailures;
  /** Look again at every lane that may have work a missed wake-up left behind. */
  rescan(): void;
  everyMs: number;
}

/**
 * The backstop: every `everyMs`, leases past their time go back to pending
 * (no attempt stays in flight forever) and lanes with a backlog are looked
 * at again, in case a wake-up was missed.
 */
export class Sweeper {
  private readonly deps: SweeperDeps;
  private readonly timer: NodeJS.Timeout;

  constructor(deps: SweeperDeps) {
    this.deps = deps;
    this.timer = setInterval(() => this.sweep(), deps.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const { store, clock, log, failures } = this.deps;
    store.expireLeases(clock.now()).then(
      (expired) => {
        failures.recovered('lease_sweep');
        if (expired > 0) log.warn({ expired }, 'expired leases returned to pending');
      },
      (error: unknown) => failures.report('lease_sweep', error),
    );
    this.deps.rescan();
  }
}

import type { Clock } from '../clock.ts';
import type { BackgroundFailures, Logger } from '../log.ts';
import type { Store } from '../store/store.ts';

export interface OwnershipDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  failures: BackgroundFailures;
  /** The endpoints the running config names. */
  endpoints(): readonly string[];
  /** This relay took endpoints over: their lanes have work to look at. */
  gained(endpoints: readonly string[]): void;
}

/**
 * Keeps this relay's endpoint leases (store.cluster) renewed while it runs,
 * every `renewEvery` ms, and hands them over when it stops. A relay that
 * cannot renew claims nothing more once its leases run out: the store only
 * claims for leases it holds, so stopping needs no decision here.
 */
export class Ownership {
  private readonly deps: OwnershipDeps;
  private timer: NodeJS.Timeout | undefined;
  private owned = new Set<string>();
  private renewing: Promise<void> | undefined;

  constructor(deps: OwnershipDeps) {
    this.deps = deps;
  }

  /** The first renewal, awaited so the dispatcher starts with its share; then the timer. */
  async start(): Promise<void> {
    const every = this.deps.store.cluster.renewEvery;
    if (every === undefined) return;
    await this.renew();
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  /** Renews now (also after a reload, so a new endpoint finds its owner at once). */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  owns(endpoint: string): boolean {
    return this.owned.has(endpoint);
  }

  get size(): number {
    return this.owned.size;
  }

  /** After the dispatcher stopped: the leases go to the others at once. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    if (this.deps.store.cluster.renewEvery === undefined) return;
    await this.deps.store.cluster.leave(this.deps.clock.now());
    this.owned = new Set();
  }

  private async renewOnce(): Promise<void> {
    const { store, clock, log, failures } = this.deps;
    try {
      const owned = await store.cluster.renew(this.deps.endpoints(), clock.now());
      failures.recovered('cluster_renew');
      const gained = [...owned].filter((endpoint) => !this.owned.has(endpoint));
      const lost = [...this.owned].filter((endpoint) => !owned.has(endpoint));
      this.owned = owned;
      if (gained.length > 0 || lost.length > 0)
        log.info({ gained, lost, owned: owned.size }, 'endpoint ownership changed');
      if (gained.length > 0) this.deps.gained(gained);
    } catch (error) {
      failures.report('cluster_renew', error);
    }
  }
}

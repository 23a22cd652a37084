import type { Clock } from '../clock.ts';
import type { BackgroundFailures, Logger } from '../log.ts';
import type { RelayMetrics } from '../metrics.ts';
import type { Backlog } from '../store/backlog.ts';
import type { ClusterSignal, Store } from '../store/store.ts';

export interface OwnershipDeps {
  store: Store;
  backlog: Backlog;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  failures: BackgroundFailures;
  /** The endpoints the running config names. */
  endpoints(): readonly string[];
  /** After each renewal with other relays: the endpoints this relay now holds (only their lanes claim). */
  own(endpoints: ReadonlySet<string>): void;
  /** These endpoints' lanes may have work: this relay took them over, or another relay stored some. */
  work(endpoints: readonly string[]): void;
  /** Endpoint states as stored, which another relay may have changed. */
  states(states: Awaited<ReturnType<Store['endpointStates']>>): void;
}

/** The backlog counts are re-read from the store at most this often (other relays change them too). */
const BACKLOG_RESYNC_MS = 30_000;

/**
 * Keeps this relay's endpoint leases (store.cluster) renewed while it runs,
 * every `renewEvery` ms, and hands them over when it stops. A relay that
 * cannot renew claims nothing more once its leases run out: the store only
 * claims for leases it holds, so stopping needs no decision here. Signals
 * from the other relays (LISTEN/NOTIFY on PostgreSQL) wake lanes and renew
 * at once; the timer is the backstop for any signal lost.
 */
export class Ownership {
  private readonly deps: OwnershipDeps;
  private timer: NodeJS.Timeout | undefined;
  private owned = new Set<string>();
  private renewing: Promise<void> | undefined;
  /** A renewal was asked for while one ran, which may have read the endpoints before they changed. */
  private renewAgain = false;
  /** Left the cluster: no renewal takes a lease again. */
  private left = false;
  private backlogReadAt = Number.NEGATIVE_INFINITY;
  private renewedAt: number | undefined;

  constructor(deps: OwnershipDeps) {
    this.deps = deps;
  }

  /** The first renewal, awaited so the dispatcher starts with its share; then the timer and the signals. */
  async start(): Promise<void> {
    const every = this.deps.store.cluster.renewEvery;
    await this.renew();
    if (every === undefined) return;
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
    this.deps.store.cluster.watch((signal) => this.heard(signal));
  }

  /**
   * Renews now (also after a reload or a managed change, so a new endpoint
   * finds its owner at once). Asked while a renewal runs, it renews once
   * more after it, with the endpoints as they are then. Never rejects.
   */
  renew(): Promise<void> {
    if (this.left) return Promise.resolve();
    this.renewAgain = this.renewing !== undefined;
    this.renewing ??= this.renewUntilCurrent().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewUntilCurrent(): Promise<void> {
    do {
      this.renewAgain = false;
      await this.renewOnce();
    } while (this.renewAgain && !this.left);
  }

  /** After the dispatcher stopped: the leases go to the others at once. */
  async leave(): Promise<void> {
    this.left = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    if (this.deps.store.cluster.renewEvery === undefined) return;
    await this.deps.store.cluster.leave(this.deps.clock.now());
    this.owned = new Set();
    this.deps.metrics.clusterEndpointsOwned.set(0);
  }

  private heard(signal: ClusterSignal): void {
    if (signal.kind === 'work') {
      const endpoints = signal.endpoints === '*' ? [...this.owned] : signal.endpoints;
      this.deps.work(endpoints.filter((endpoint) => this.owned.has(endpoint)));
      return;
    }
    if (signal.kind === 'states') {
      void this.readStates();
      return;
    }
    // Leases moved, or signals were lost: take a share now, then look at every lane.
    void this.renew().then(async () => {
      if (signal.kind !== 'resync') return;
      await this.readStates();
      this.deps.work([...this.owned]);
    });
  }

  private async readStates(): Promise<void> {
    try {
      this.deps.states(await this.deps.store.endpointStates());
      this.deps.failures.recovered('cluster_renew');
    } catch (error) {
      this.deps.failures.report('cluster_renew', error);
    }
  }

  private async renewOnce(): Promise<void> {
    const { store, clock, log, failures } = this.deps;
    try {
      const now = clock.now();
      const { owned, members } = await store.cluster.renew(this.deps.endpoints(), now);
      failures.recovered('cluster_renew');
      // Renewals were missed (the database was away), one was slow to commit under load, or the
      // clock jumped: the last lease (from the last renewal's start) may have run out before this
      // one committed, and claims under it were refused with no renewal of ours to wake the lane.
      // Measured to this renewal's commit, not its start.
      const lapsed =
        this.renewedAt !== undefined && clock.now() - this.renewedAt > 2 * (store.cluster.renewEvery ?? 0);
      this.renewedAt = now;
      this.deps.metrics.clusterMembers.set(members);
      this.deps.metrics.clusterEndpointsOwned.set(owned.size);
      // Alone on the store (SQLite) this relay owns everything, and its counts in memory stay exact.
      if (store.cluster.renewEvery === undefined) return;
      this.deps.own(owned);
      const gained = [...owned].filter((endpoint) => !this.owned.has(endpoint));
      const lost = [...this.owned].filter((endpoint) => !owned.has(endpoint));
      this.owned = owned;
      if (gained.length > 0 || lost.length > 0) {
        log.info({ gained, lost, owned: owned.size }, 'endpoint ownership changed');
      }
      if (gained.length > 0 || clock.now() - this.backlogReadAt >= BACKLOG_RESYNC_MS) {
        this.backlogReadAt = clock.now();
        // A count left as it was (busy here while read) is read again at the next renewal.
        const settled = await this.deps.backlog.reset(() => store.unfinishedCounts());
        if (!settled) this.backlogReadAt = Number.NEGATIVE_INFINITY;
      }
      if (gained.length > 0) {
        // A lane taken over runs with the states as stored, whoever changed them last.
        this.deps.states(await store.endpointStates());
        this.deps.work(gained);
      }
      if (lapsed) this.deps.work([...owned]);
    } catch (error) {
      failures.report('cluster_renew', error);
    }
  }
}

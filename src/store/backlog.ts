/** Reads in a row that may find an endpoint busy here before it takes the store's count anyway. */
const BUSY_READS = 3;

/** One re-read while it is out: the endpoints written for or counted meanwhile, and what was counted. */
interface Reading {
  busy: Set<string>;
  counted: Map<string, number>;
}

/**
 * Unfinished deliveries (pending or in flight), counted in memory so that
 * `limits.max_pending` and the queue gauges never cost a COUNT query. Loaded
 * from the store at start (and, in a cluster, re-read now and then).
 */
export class Backlog {
  private readonly byEndpoint = new Map<string, number>();
  private count = 0;
  /** Store writes out per endpoint (`writing`). */
  private readonly writes = new Map<string, number>();
  /** Re-reads of the store's counts now out (`reset`). */
  private readonly readings = new Set<Reading>();
  /** Endpoints that kept their own count at the last reads (busy here), and at how many in a row. */
  private readonly busyReads = new Map<string, number>();

  constructor(counts: ReadonlyMap<string, number> = new Map()) {
    for (const [endpoint, n] of counts) this.add(endpoint, n);
  }

  get total(): number {
    return this.count;
  }

  of(endpoint: string): number {
    return this.byEndpoint.get(endpoint) ?? 0;
  }

  /** Every endpoint that has had a count, configured or not. */
  endpoints(): IterableIterator<string> {
    return this.byEndpoint.keys();
  }

  add(endpoint: string, n = 1): void {
    this.byEndpoint.set(endpoint, this.of(endpoint) + n);
    this.count += n;
    if (n === 0) return;
    for (const reading of this.readings) {
      reading.busy.add(endpoint);
      reading.counted.set(endpoint, (reading.counted.get(endpoint) ?? 0) + n);
    }
  }

  remove(endpoint: string, n = 1): void {
    this.add(endpoint, -n);
  }

  /**
   * Runs a store write that changes the counts of `endpoints`, which the
   * caller counts (add, remove) as soon as it resolves. While it is out, a
   * re-read cannot tell whether its answer holds the write: see `reset`.
   */
  async writing<T>(endpoints: Iterable<string>, write: () => Promise<T>): Promise<T> {
    const names = [...new Set(endpoints)];
    for (const endpoint of names) this.mark(endpoint, 1);
    try {
      return await write();
    } finally {
      for (const endpoint of names) this.mark(endpoint, -1);
    }
  }

  /**
   * Takes the store's counts, as `read` gives them: where several relays
   * share a store, each counts only its own ingest and completions, so the
   * counts are re-read now and then. An endpoint this relay was writing for
   * or counted a change for while the read was out is left as it is: the
   * read may hold that write or not (its snapshot and the write's commit may
   * come in either order), and this relay's own count is exact for its own
   * work. It takes the store's count at a later read that finds it quiet, or
   * after BUSY_READS busy reads in a row the store's plus what was counted
   * meanwhile, so the other relays' work still gets in. Resolves true when
   * every endpoint took the store's count, false when one should be read again.
   */
  async reset(read: () => Promise<ReadonlyMap<string, number>>): Promise<boolean> {
    const reading: Reading = { busy: new Set(this.writes.keys()), counted: new Map() };
    this.readings.add(reading);
    let counts: ReadonlyMap<string, number>;
    try {
      counts = await read();
    } finally {
      this.readings.delete(reading);
    }
    let settled = true;
    for (const endpoint of new Set([...this.byEndpoint.keys(), ...counts.keys()])) {
      const stored = counts.get(endpoint) ?? 0;
      if (!reading.busy.has(endpoint)) {
        this.busyReads.delete(endpoint);
        this.set(endpoint, stored);
        continue;
      }
      const busy = (this.busyReads.get(endpoint) ?? 0) + 1;
      if (busy < BUSY_READS) {
        this.busyReads.set(endpoint, busy);
        settled = false;
      } else {
        this.busyReads.delete(endpoint);
        this.set(endpoint, stored + (reading.counted.get(endpoint) ?? 0));
      }
    }
    return settled;
  }

  private mark(endpoint: string, change: 1 | -1): void {
    const n = (this.writes.get(endpoint) ?? 0) + change;
    if (n === 0) this.writes.delete(endpoint);
    else this.writes.set(endpoint, n);
    for (const reading of this.readings) reading.busy.add(endpoint);
  }

  private set(endpoint: string, n: number): void {
    this.count += n - this.of(endpoint);
    this.byEndpoint.set(endpoint, n);
  }
}

/**
 * Unfinished deliveries (pending or in flight), counted in memory so that
 * `limits.max_pending` and the queue gauges never cost a COUNT query. Loaded
 * from the store at start (and, in a cluster, re-read now and then).
 */
export class Backlog {
  private readonly byEndpoint = new Map<string, number>();
  private count = 0;

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
  }

  remove(endpoint: string, n = 1): void {
    this.add(endpoint, -n);
  }

  /**
   * Replaces every count with the store's: where several relays share a
   * store, each sees only its own ingest and completions, so the counts are
   * re-read now and then.
   */
  reset(counts: ReadonlyMap<string, number>): void {
    for (const endpoint of this.byEndpoint.keys()) this.byEndpoint.set(endpoint, 0);
    this.count = 0;
    for (const [endpoint, n] of counts) this.add(endpoint, n);
  }
}

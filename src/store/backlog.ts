/**
 * Unfinished deliveries (pending or in flight), counted in memory so that
 * `limits.max_pending` and the queue gauges never cost a COUNT query. Loaded
 * from the store at start (and, in a cluster, re-read now and then).
 */
export class Backlog {
  private readonly byEndpoint = new Map<string, number>();
  private count = 0;
  /** Changes made while the store's counts are being read: added to what the read returns. */
  private sinceRead: Map<string, number> | undefined;

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
    this.sinceRead?.set(endpoint, (this.sinceRead.get(endpoint) ?? 0) + n);
  }

  remove(endpoint: string, n = 1): void {
    this.add(endpoint, -n);
  }

  /**
   * Replaces every count with the store's, as `read` gives them: where
   * several relays share a store, each sees only its own ingest and
   * completions, so the counts are re-read now and then. What this relay
   * counted while the read was out is added to its answer, or an event
   * stored meanwhile would vanish from the count until the next read.
   */
  async reset(read: () => Promise<ReadonlyMap<string, number>>): Promise<void> {
    const sinceRead = new Map<string, number>();
    this.sinceRead = sinceRead;
    let counts: ReadonlyMap<string, number>;
    try {
      counts = await read();
    } finally {
      if (this.sinceRead === sinceRead) this.sinceRead = undefined;
    }
    for (const endpoint of this.byEndpoint.keys()) this.byEndpoint.set(endpoint, 0);
    this.count = 0;
    for (const [endpoint, n] of counts) this.add(endpoint, n);
    for (const [endpoint, n] of sinceRead) this.add(endpoint, n);
  }
}

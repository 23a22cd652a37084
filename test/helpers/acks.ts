/**
 * The webhook-ids relay acknowledged, collected by concurrent clients, with a
 * promise for the moment their count reaches a number: a test can act at that
 * moment (kill the process, say) without polling the count.
 */
export class Acks implements Iterable<string> {
  private readonly ids = new Set<string>();
  private waiters: { count: number; resolve: () => void }[] = [];

  get size(): number {
    return this.ids.size;
  }

  add(id: string): void {
    this.ids.add(id);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.ids.size < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `count` distinct ids have been acknowledged. */
  reach(count: number): Promise<void> {
    if (this.ids.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  [Symbol.iterator](): Iterator<string> {
    return this.ids[Symbol.iterator]();
  }
}

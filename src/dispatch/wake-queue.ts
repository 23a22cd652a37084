/**
 * A min-heap of wake-up times, so the dispatcher keeps one timer for the
 * earliest of them and never scans every lane to find it. Entries are not
 * removed when superseded; the owner ignores stale ones when they pop.
 */
export class WakeQueue<T> {
  private readonly heap: { at: number; item: T }[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const heap = this.heap;
    heap.push({ at, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  peek(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns every item due at or before `now`. */
  popDue(now: number): T[] {
    const due: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) due.push(this.pop()!);
    return due;
  }

  private pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top?.item;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left;
      if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right;
      if (smallest === i) break;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
    return top.item;
  }
}

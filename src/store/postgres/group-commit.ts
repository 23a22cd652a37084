import { RelayError } from '../../errors.ts';
import type { EnqueueResult, NewEvent } from '../store.ts';

interface Pending {
  event: NewEvent;
  resolve: (result: EnqueueResult) => void;
  reject: (error: unknown) => void;
}

/** Events per statement at most: 6 parameters each stays far below PostgreSQL's 65,535. */
const MAX_BATCH = 500;

export type WriteBatch = (events: readonly NewEvent[]) => Promise<EnqueueResult[]>;

/**
 * Enqueues that arrive in the same event-loop turn share one statement, and
 * so one commit. While `maxInFlight` batches are out, new ones wait and join
 * the next: under load batches grow instead of connections queueing.
 *
 * Events with an idempotency key already in the batch are not sent: they are
 * answered from the event holding it (a duplicate of it, or of what it
 * duplicates), as they would be had they come a moment later.
 *
 * A batch holding an event ordered by key on some endpoint waits until the
 * last such batch has committed: delivery ids, which say a key's order
 * (claims.ts), then follow the order events were handed over, as SQLite's
 * single writer gives. Batches of unordered events still overlap.
 *
 * A batch that fails for a reason other than the database being unavailable
 * (a RelayError, from pool.ts: then every event would fail alike) is retried
 * one event at a time, so one bad event (a row the schema refuses) fails alone.
 */
export class EnqueueGroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private orderedInFlight = false;
  private idle: (() => void)[] = [];
  private readonly write: WriteBatch;
  private readonly maxInFlight: number;
  private readonly onCommit: (items: number) => void;

  constructor(write: WriteBatch, maxInFlight: number, onCommit: (items: number) => void = () => {}) {
    this.write = write;
    this.maxInFlight = maxInFlight;
    this.onCommit = onCommit;
  }

  run(event: NewEvent): Promise<EnqueueResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything queued now has been answered. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.send();
    });
  }

  private send(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const ordered = this.queue.slice(0, MAX_BATCH).some((item) => isOrdered(item.event));
      if (ordered && this.orderedInFlight) return;
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      if (ordered) this.orderedInFlight = true;
      void this.commit(batch).finally(() => {
        this.inFlight--;
        if (ordered) this.orderedInFlight = false;
        if (this.queue.length > 0) this.send();
        else if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
      });
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const leaders = new Map<string, Pending>();
    const followers: [Pending, Pending][] = [];
    const sent: Pending[] = [];
    for (const item of batch) {
      const key = item.event.idempotency && `${item.event.source}\n${item.event.idempotency.key}`;
      const leader = key === undefined ? undefined : leaders.get(key);
      if (leader) {
        followers.push([item, leader]);
        continue;
      }
      if (key !== undefined) leaders.set(key, item);
      sent.push(item);
    }
    const outcomes = new Map<Pending, { ok: true; value: EnqueueResult } | { ok: false; error: unknown }>();
    try {
      const results = await this.write(sent.map((item) => item.event));
      sent.forEach((item, i) => {
        outcomes.set(item, { ok: true, value: results[i]! });
      });
      this.onCommit(sent.length);
    } catch (error) {
      if (error instanceof RelayError || sent.length === 1) {
        for (const item of sent) outcomes.set(item, { ok: false, error });
      } else {
        for (const item of sent) outcomes.set(item, await this.alone(item.event));
      }
    }
    for (const [item, outcome] of outcomes) settle(item, outcome);
    for (const [item, leader] of followers) {
      const outcome = outcomes.get(leader)!;
      if (!outcome.ok) settle(item, outcome);
      else item.resolve({ duplicateOf: outcome.value.duplicateOf ?? leader.event.id });
    }
  }

  private async alone(event: NewEvent) {
    try {
      const [value] = await this.write([event]);
      this.onCommit(1);
      return { ok: true as const, value: value! };
    } catch (error) {
      return { ok: false as const, error };
    }
  }
}

const isOrdered = (event: NewEvent) =>
  event.orderKeys !== undefined && Object.keys(event.orderKeys).length > 0;

function settle(item: Pending, outcome: { ok: true; value: EnqueueResult } | { ok: false; error: unknown }) {
  if (outcome.ok) item.resolve(outcome.value);
  else item.reject(outcome.error);
}

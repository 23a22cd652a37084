import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { GroupCommit } from './sqlite/group-commit.ts';
import { PRUNE_BATCH, type PruneResult, type RetentionStore } from './sqlite/prune.ts';

/** Deletions may be lost in a power cut: they are simply done again. */
const BOOKKEEPING = { durable: false };

export interface RetentionOptions {
  store: RetentionStore;
  groupCommit: GroupCommit;
  clock: Clock;
  log: Logger;
  /** `storage.retention`, read at each pass so a reload applies. */
  retention: () => number;
  intervalMs?: number;
}

/**
 * Prunes finished work on a timer, one small transaction per batch with a
 * turn of the event loop between batches, so ingest's commits interleave.
 */
export class Retention {
  private readonly options: RetentionOptions;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<PruneResult> | undefined;

  constructor(options: RetentionOptions) {
    this.options = options;
    this.timer = setInterval(() => void this.pruneNow().catch(() => {}), options.intervalMs ?? 10_000);
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
    const { store, groupCommit, clock, retention, log } = this.options;
    const total: PruneResult = { deliveries: 0, events: 0, keys: 0, pages: 0 };
    const cutoff = clock.now() - retention();
    for (;;) {
      const batch = await groupCommit.run(() => store.pruneDeliveries(cutoff), BOOKKEEPING);
      total.deliveries += batch.deliveries;
      total.events += batch.events;
      if (batch.deliveries < PRUNE_BATCH) break;
    }
    for (;;) {
      const batch = await groupCommit.run(() => store.pruneUndelivered(cutoff), BOOKKEEPING);
      total.events += batch.events;
      if (batch.examined < PRUNE_BATCH) break;
    }
    for (;;) {
      const keys = await groupCommit.run(() => store.pruneKeys(clock.now()), BOOKKEEPING);
      total.keys += keys;
      if (keys < PRUNE_BATCH) break;
    }
    total.pages = store.vacuum();
    if (total.deliveries + total.events + total.keys > 0) log.debug(total, 'retention pass');
    return total;
  }
}

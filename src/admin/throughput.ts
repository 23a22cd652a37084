import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Clock } from '../clock.ts';
import { type SettledMessage, settledChannel } from '../dispatch/observe.ts';

const MINUTE = 60_000;
const MINUTES = 60;

/** Attempts per minute over the last hour, oldest minute first (the current one last). */
export interface PerMinute {
  delivered: number[];
  failed: number[];
}

interface Ring {
  /** The minute (ms since the epoch / 60 000) each slot holds, so a stale slot reads as zero. */
  minute: number[];
  delivered: number[];
  failed: number[];
}

/**
 * Delivered and failed attempts per endpoint per minute for the last hour, in
 * memory: a ring of 60 buckets per endpoint fed by the settled channel, so the
 * dashboard's chart has data from the first minute without a store query per
 * page load. A restart starts it empty; that is the price of costing nothing.
 */
export class Throughput {
  private readonly rings = new Map<string, Ring>();
  private readonly onSettled = (message: unknown) => this.settled(message as SettledMessage);

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
    subscribe(settledChannel.name, this.onSettled);
  }

  close(): void {
    unsubscribe(settledChannel.name, this.onSettled);
  }

  lastHour(endpoint: string): PerMinute {
    const now = Math.floor(this.clock.now() / MINUTE);
    const ring = this.rings.get(endpoint);
    const delivered: number[] = [];
    const failed: number[] = [];
    for (let minute = now - MINUTES + 1; minute <= now; minute++) {
      const slot = minute % MINUTES;
      const fresh = ring?.minute[slot] === minute;
      delivered.push(fresh ? ring.delivered[slot]! : 0);
      failed.push(fresh ? ring.failed[slot]! : 0);
    }
    return { delivered, failed };
  }

  private settled({ endpoint, settlement, applied }: SettledMessage): void {
    // A shutdown's cut-off is no attempt, and a refused completion was counted by whoever won the claim.
    if (!applied || settlement.kind === 'cancelled') return;
    const minute = Math.floor(this.clock.now() / MINUTE);
    const slot = minute % MINUTES;
    let ring = this.rings.get(endpoint);
    if (!ring) {
      ring = {
        minute: new Array(MINUTES).fill(-1),
        delivered: new Array(MINUTES).fill(0),
        failed: new Array(MINUTES).fill(0),
      };
      this.rings.set(endpoint, ring);
    }
    if (ring.minute[slot] !== minute) {
      ring.minute[slot] = minute;
      ring.delivered[slot] = 0;
      ring.failed[slot] = 0;
    }
    if (settlement.kind === 'delivered') ring.delivered[slot]! += 1;
    else ring.failed[slot]! += 1;
  }
}

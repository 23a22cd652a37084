/**
 * An operator's changes. Requeued and moved deliveries start the retry
 * schedule over (step 0, `createdAt` now, from which `max_age` counts);
 * `attempts` keeps counting, so `x-relay-attempt` tells a receiver it has
 * seen this before. Large changes run in bounded batches inside the call.
 */
export interface OperatorWrites {
  /** Finished → pending due now ('requeued'), pending → due now ('made_due'), in flight → undefined. */
  retry(id: number, now: number): Promise<'requeued' | 'made_due' | undefined>;
  /** An endpoint's deliveries in `state` of events received since `since`, back to pending (up to `limit`). */
  replay(request: ReplayRequest, now: number): Promise<{ matched: number; requeued: number }>;
  /**
   * Pending deliveries of `from` go to `to`, due now; one whose event already
   * has a delivery to `to` is dropped. Moving a backlog onto itself changes
   * nothing (rather than dropping it all).
   */
  moveBacklog(from: string, to: string, now: number): Promise<{ moved: number; dropped: number }>;
  /** Pending deliveries of `endpoint` are marked dropped (kept, finished now). */
  dropBacklog(endpoint: string, now: number): Promise<number>;
  /**
   * A pending delivery to `endpoint` for each event that has none yet. Returns
   * how many were created. An id the store does not hold (never stored, or
   * pruned since it was listed) gets none: a delivery without its event could
   * never be sent, yet would count as backlog forever.
   */
  addDeliveries(endpoint: string, eventIds: readonly string[], now: number): Promise<number>;
}

/** A state a replay can take deliveries back from. */
export type ReplayState = 'dead' | 'delivered';

export interface ReplayRequest {
  endpoint: string;
  state: ReplayState;
  /** Events received at or after this (epoch ms). */
  since: number;
  /** At most this many requeued; `matched` still counts every candidate. */
  limit: number;
  dryRun: boolean;
}

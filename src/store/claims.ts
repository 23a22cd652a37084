/** How much one endpoint's lane may take now, and how long its claims are leased. */
export interface ClaimAsk {
  endpoint: string;
  /** First attempts at most; retries fill what first attempts leave, up to `retries`. */
  fresh: number;
  retries: number;
  leaseUntil: number;
  /**
   * The endpoint orders its deliveries by key: only a key's oldest
   * unfinished delivery may be claimed, so the next waits until it is
   * delivered, dead or dropped (a retrying one holds only its own key).
   */
  ordered?: boolean;
}

export interface Claim {
  endpoint: string;
  fresh: ClaimedDelivery[];
  retries: ClaimedDelivery[];
  /**
   * Fewer were due than asked for: nothing else is due now. Never true while
   * something the ask did not take is due (a retry, when `retries` was 0): a
   * lane told so sleeps until `nextDue`.
   */
  exhausted: boolean;
  /** When exhausted: when the next pending delivery is due, if any. */
  nextDue: number | undefined;
}

/** A delivery leased for an attempt, with what is needed to send it. */
export interface ClaimedDelivery {
  id: number;
  /**
   * Names this claim: a completion must carry it, and is refused once the
   * delivery's lease was taken back (expired, recovered), whether or not it
   * was claimed again. Never the same for two claims of one delivery, even
   * with the same `leaseUntil`.
   */
  claim: number;
  eventId: string;
  endpoint: string;
  /** Requests made so far. */
  attempts: number;
  /** Steps of the retry schedule used so far. */
  step: number;
  createdAt: number;
  source: string;
  type: string;
  contentType: string | undefined;
  body: Buffer;
}

export interface AttemptRecord {
  /** When the request started, its length, and how it ended. */
  startedAt: number;
  durationMs: number;
  status: number | undefined;
  error: string | undefined;
  /** The first bytes of the answer (capped by the sender). */
  response: Buffer | undefined;
}

/** What one finished attempt does to its delivery: data produced by dispatch/settle.ts. */
export type Completion = {
  deliveryId: number;
  claim: number;
  /** The attempt made, or undefined when it was cut off before counting (shutdown). */
  attempt: AttemptRecord | undefined;
} & (
  | { next: 'delivered' }
  | { next: 'retry'; at: number }
  | { next: 'dead' }
  /** Back to pending at `at` without using a step of the schedule (a pause answer, 410 Gone, shutdown). */
  | { next: 'release'; at: number; disable?: { endpoint: string; reason: string } }
);

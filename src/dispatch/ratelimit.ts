/**
 * A token bucket for one endpoint's `rate_limit`. Capacity is one second's
 * worth of tokens (at least one), so a lane may burst up to its per-second
 * rate after a quiet spell, never beyond.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;
  private readonly capacity: number;

  constructor(perSecond: number, now: number) {
    this.perMs = perSecond / 1000;
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.updatedAt = now;
  }

  /** Whole tokens available now. */
  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  take(n: number, now: number): void {
    this.refill(now);
    this.tokens -= n;
  }

  /** Milliseconds until one whole token is available (0 if one is now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
}

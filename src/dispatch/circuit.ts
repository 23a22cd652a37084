/**
 * The circuit of one endpoint:
 *
 *   closed ──(threshold consecutive failures)──▶ open
 *   open ──(a probe goes out)──▶ half-open ──(success)──▶ closed
 *                                half-open ──(failure)──▶ open
 *
 * While not closed the lane sends one request at a time (a probe) instead of
 * its full concurrency. It pauses an endpoint; it never disables one.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export const CIRCUIT_THRESHOLD = 5;

export class Circuit {
  private failures = 0;
  private current: CircuitState = 'closed';

  get state(): CircuitState {
    return this.current;
  }

  /** How many requests may be in flight: all of them when closed, one probe otherwise. */
  allowance(concurrency: number): number {
    return this.current === 'closed' ? concurrency : 1;
  }

  onSend(): void {
    if (this.current === 'open') this.current = 'half-open';
  }

  onSuccess(): void {
    this.failures = 0;
    this.current = 'closed';
  }

  onFailure(): void {
    this.failures++;
    if (this.current === 'half-open' || this.failures >= CIRCUIT_THRESHOLD) this.current = 'open';
  }
}

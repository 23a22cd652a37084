import type { EndpointConfig } from '../config/schema.ts';
import type { AttemptOutcome } from '../metrics.ts';
import type { ClaimedDelivery, Completion } from '../store/store.ts';
import { longestStep, nextAttempt } from './backoff.ts';
import { classify, classifySmtp } from './classify.ts';
import type { SendResult } from './send.ts';

/** What one attempt means for its delivery and its lane. */
export type Settlement =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: number }
  | { kind: 'dead' }
  /** 429/503 with Retry-After: the lane waits until `until`; the delivery uses no step. */
  | { kind: 'paused'; until: number }
  /** 410 Gone: the endpoint is disabled, its deliveries held. */
  | { kind: 'gone' }
  /** Cut off by shutdown: not an attempt that counts, not a step. */
  | { kind: 'cancelled' };

/**
 * Pure: a delivery, the answer to its attempt, its endpoint's rules and the
 * time → what happens next, and the completion the store writes for it (the
 * attempt and the delivery's next state, in one write).
 */
export function settle(
  delivery: ClaimedDelivery,
  result: SendResult,
  startedAt: number,
  endpoint: EndpointConfig,
  now: number,
  random: () => number = Math.random,
): { settlement: Settlement; completion: Completion } {
  const claim = { deliveryId: delivery.id, claim: delivery.claim };
  if (result.error === 'cancelled') {
    return {
      settlement: { kind: 'cancelled' },
      completion: { ...claim, attempt: undefined, next: 'release', at: now },
    };
  }
  const attempt = {
    startedAt,
    durationMs: result.durationMs,
    status: result.status,
    error: result.error,
    response: result.response,
  };
  const outcome = endpoint.email
    ? classifySmtp(result)
    : classify(result, endpoint.success, now, longestStep(endpoint.retry));
  switch (outcome.kind) {
    case 'delivered':
      return { settlement: outcome, completion: { ...claim, attempt, next: 'delivered' } };
    case 'pause': {
      const until = now + outcome.ms;
      return {
        settlement: { kind: 'paused', until },
        completion: { ...claim, attempt, next: 'release', at: until },
      };
    }
    case 'disable':
      return {
        settlement: { kind: 'gone' },
        completion: {
          ...claim,
          attempt,
          next: 'release',
          at: now,
          disable: { endpoint: delivery.endpoint, reason: `answered ${result.status}` },
        },
      };
    case 'failed': {
      const next = nextAttempt(endpoint.retry, delivery.step, delivery.createdAt, now, random);
      if (next.dead) return { settlement: { kind: 'dead' }, completion: { ...claim, attempt, next: 'dead' } };
      return {
        settlement: { kind: 'retry', at: next.at },
        completion: { ...claim, attempt, next: 'retry', at: next.at },
      };
    }
  }
}

/** The `outcome` label of relay_delivery_attempts_total. */
export function attemptOutcome(settlement: Settlement, result: SendResult): AttemptOutcome {
  switch (settlement.kind) {
    case 'delivered':
      return 'success';
    case 'paused':
      return 'rate_limited';
    case 'gone':
      return 'gone';
    case 'cancelled':
      return 'cancelled';
    case 'retry':
    case 'dead':
      if (result.status !== undefined) return 'http_error';
      return result.error === 'timeout' ? 'timeout' : 'connection_error';
  }
}

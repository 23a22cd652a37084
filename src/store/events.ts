import type { ClaimedDelivery } from './claims.ts';

/** An event to store: what is stored of it, and how its deliveries are made. */
export interface NewEvent extends StoredEvent {
  /** Fan-out, fixed when the event is stored. */
  endpoints: readonly string[];
  /** Routes behind a threshold: decided in the event's own transaction, from the counts the store keeps. */
  gates?: readonly ThresholdGate[];
  /**
   * The ordering key of the event per endpoint that orders its deliveries:
   * such deliveries of one key are claimed one at a time, in the order
   * their events were stored (see ClaimAsk.ordered).
   */
  orderKeys?: Readonly<Record<string, string>>;
  idempotency: { key: string; expiresAt: number } | undefined;
  /**
   * Endpoints whose deliveries this relay sends the moment the event is
   * stored, sparing a claim: a backend may store those deliveries already
   * claimed (in flight, leased until `until`) and hand them back in
   * `EnqueueResult.leased`; one that does not leaves them pending. Never
   * for an ordered endpoint or a threshold gate's.
   */
  lease?: FreshLease;
}

export interface FreshLease {
  endpoints: readonly string[];
  until: number;
}

/**
 * A route that delivers only once `key` was seen `count` times within
 * `within` ms (this event included): then to `endpoints`; with `once`, only
 * the event that makes the count reach `count`. An event without the key is
 * not counted and held. A held event is stored and says which route held it.
 */
export interface ThresholdGate {
  route: string;
  key: string | undefined;
  count: number;
  within: number;
  once: boolean;
  endpoints: readonly string[];
}

export type EnqueueResult =
  | { duplicateOf: string }
  | {
      duplicateOf: undefined;
      /** Every endpoint that got a delivery: the fan-out, and the endpoints of the gates that opened. */
      endpoints: string[];
      /** The routes whose threshold held the event back. */
      held: string[];
      /** The deliveries stored claimed, as `NewEvent.lease` asked: the caller sends them. */
      leased: ClaimedDelivery[];
    };

/** Why a route held an event back. */
export interface EventHold {
  route: string;
  /** `threshold: 2 of 3 within the window`, `threshold: no key`. */
  reason: string;
}

export interface StoredEvent {
  id: string;
  source: string;
  type: string;
  receivedAt: number;
  contentType: string | undefined;
  body: Buffer;
}

export interface EventPosition {
  receivedAt: number;
  id: string;
}

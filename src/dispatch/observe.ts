import { channel } from 'node:diagnostics_channel';
import type { EndpointAdminState } from '../store/store.ts';
import type { Settlement } from './settle.ts';

/**
 * Delivery lifecycle on node:diagnostics_channel (undici's pattern), for
 * tests and tools to await instead of polling: each costs nothing while no
 * one subscribes.
 */
export interface AttemptMessage {
  endpoint: string;
  deliveryId: number;
  eventId: string;
  /** 1-based number of this request. */
  attempt: number;
  status: number | undefined;
  error: string | undefined;
  durationMs: number;
}

export interface SettledMessage {
  endpoint: string;
  deliveryId: number;
  eventId: string;
  settlement: Settlement;
  /** False when the store refused the completion (its claim had moved on). */
  applied: boolean;
}

export interface StateMessage {
  endpoint: string;
  from: EndpointAdminState;
  to: EndpointAdminState;
  /** Why: an operator's action, or the endpoint's own answer (410 Gone). */
  reason: string;
}

/** An attempt's answer came (or it failed), before its outcome is written. */
export const attemptChannel = channel('relay:delivery:attempt');
/** An attempt's outcome was written to the store (or refused by it). */
export const settledChannel = channel('relay:delivery:settled');

/** An endpoint's state changed (active, paused, disabled): persisted and applied to its lane. */
export const stateChannel = channel('relay:endpoint:state');

export function publishAttempt(message: AttemptMessage): void {
  if (attemptChannel.hasSubscribers) attemptChannel.publish(message);
}

export function publishSettled(message: SettledMessage): void {
  if (settledChannel.hasSubscribers) settledChannel.publish(message);
}

export function publishState(message: StateMessage): void {
  if (stateChannel.hasSubscribers) stateChannel.publish(message);
}

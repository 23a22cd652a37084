import { channel } from 'node:diagnostics_channel';

/**
 * Stored events on node:diagnostics_channel, beside the delivery channels of
 * dispatch/observe.ts: what the admin stream and tests listen to. Costs
 * nothing while no one subscribes.
 */
export interface ReceivedMessage {
  eventId: string;
  source: string;
  type: string;
  receivedAt: number;
  /** The endpoints it fans out to (fixed when it was stored). */
  endpoints: readonly string[];
}

/** An event was committed to the outbox (a duplicate is not: it was stored before). */
export const receivedChannel = channel('relay:event:received');

export function publishReceived(message: ReceivedMessage): void {
  if (receivedChannel.hasSubscribers) receivedChannel.publish(message);
}

import pg from 'pg';
import type { ClusterSignal } from '../store.ts';

/** The channels relays signal each other on. */
export const WORK_CHANNEL = 'relay_work';
export const LEASES_CHANNEL = 'relay_leases';
/** An endpoint's admin state changed (pause, resume, enable, a 410's disable); the payload names the relay that changed it. */
export const STATE_CHANNEL = 'relay_state';
/** Managed objects changed (managed.ts); the payload names the relay that changed them. */
export const MANAGED_CHANNEL = 'relay_managed';
const LISTEN = [WORK_CHANNEL, LEASES_CHANNEL, STATE_CHANNEL, MANAGED_CHANNEL]
  .map((channel) => `LISTEN ${channel}`)
  .join('; ');
/** A notification's payload may hold 8,000 bytes; a longer list of endpoints is sent as "all". */
const MAX_PAYLOAD = 7_000;
const RECONNECT_MS = 1_000;

/** The payload naming `endpoints` for the work channel, or undefined for none. */
export function workPayload(endpoints: ReadonlySet<string>): string | undefined {
  if (endpoints.size === 0) return undefined;
  const list = [...endpoints].join(',');
  return list.length > MAX_PAYLOAD ? '*' : list;
}

/** What the channels say: the cluster's signals, and the managed objects' own. */
export type Signal = ClusterSignal | { kind: 'managed' };

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other
 * queries). Signals are hints: a dropped connection is re-established every
 * second, and on each new connection the listener hears 'resync', since
 * whatever was sent meanwhile is lost and must be caught up by query.
 */
export class Notifications {
  private readonly url: string;
  private readonly instance: string;
  private readonly listeners: ((signal: Signal) => void)[] = [];
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(url: string, instance: string) {
    this.url = url;
    this.instance = instance;
  }

  watch(listener: (signal: Signal) => void): void {
    this.listeners.push(listener);
    if (!this.client && !this.timer) this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => {});
  }

  private connect(): void {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: `relay ${this.instance} listen`,
    });
    this.client = client;
    const retry = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.connect();
      }, RECONNECT_MS);
      this.timer.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (message) => this.deliver(message.channel, message.payload ?? ''));
    client
      .connect()
      .then(() => client.query(LISTEN))
      .then(() => this.emit({ kind: 'resync' }), retry);
  }

  private deliver(channel: string, payload: string): void {
    if (channel === WORK_CHANNEL) {
      this.emit({ kind: 'work', endpoints: payload === '*' ? '*' : payload.split(',') });
    } else if (payload === this.instance) {
      // This relay's own change, applied here already.
    } else if (channel === LEASES_CHANNEL) {
      this.emit({ kind: 'leases' });
    } else if (channel === STATE_CHANNEL) {
      this.emit({ kind: 'states' });
    } else if (channel === MANAGED_CHANNEL) {
      this.emit({ kind: 'managed' });
    }
  }

  private emit(signal: Signal): void {
    for (const listener of this.listeners) listener(signal);
  }
}

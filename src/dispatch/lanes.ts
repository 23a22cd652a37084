import type { RelayConfig } from '../config/schema.ts';
import type { EndpointStateRecord } from '../store/store.ts';
import type { AddressPolicy } from './address-policy.ts';
import { Lane } from './lane.ts';

/**
 * Every endpoint's lane, by name. A reload applies from each endpoint's next
 * attempt; endpoints the config no longer names keep their lane, marked
 * removed, so their deliveries are held (not sent, still counted) until the
 * endpoint comes back.
 */
export class LaneSet {
  private readonly lanes = new Map<string, Lane>();

  constructor(config: RelayConfig, states: ReadonlyMap<string, EndpointStateRecord>, now: number) {
    for (const endpoint of Object.values(config.endpoints)) {
      const lane = new Lane(endpoint, now, addressPolicy(config));
      lane.takeStored(states.get(endpoint.name));
      this.lanes.set(endpoint.name, lane);
    }
  }

  get(name: string): Lane | undefined {
    return this.lanes.get(name);
  }

  all(): IterableIterator<Lane> {
    return this.lanes.values();
  }

  reload(config: RelayConfig, now: number): void {
    const names = new Set(Object.keys(config.endpoints));
    for (const endpoint of Object.values(config.endpoints)) {
      const lane = this.lanes.get(endpoint.name);
      if (lane) {
        lane.update(endpoint, now, addressPolicy(config));
        lane.removed = false;
      } else {
        this.lanes.set(endpoint.name, new Lane(endpoint, now, addressPolicy(config)));
      }
    }
    for (const lane of this.lanes.values()) if (!names.has(lane.name)) lane.removed = true;
  }

  close(): Promise<unknown> {
    // A pool that fails to close has nothing left to lose: its requests are recorded already.
    return Promise.all([...this.lanes.values()].map((lane) => lane.close().catch(() => {})));
  }
}

function addressPolicy(config: RelayConfig): AddressPolicy {
  return { denyPrivate: config.delivery.deny_private, allowNetworks: config.delivery.allow_networks };
}

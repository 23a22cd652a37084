import type { RelayConfig } from '../../src/config/schema.ts';
import { openStore } from '../../src/store/open.ts';
import type { DeliveryDetail, EventSummary, Store } from '../../src/store/store.ts';
import { storageAt } from './backend.ts';

/**
 * Opens a stopped relay's database through the Store interface, hands it to
 * `use`, and closes it again (the SQLite store holds the database's lock
 * while open, so the relay must not be running). `at` is a storage location
 * (a relay.db path, whatever the test backend) or a relay config's storage.
 */
export async function withStore<T>(
  at: string | Pick<RelayConfig, 'storage' | 'cluster'>,
  use: (store: Store) => Promise<T>,
): Promise<T> {
  const { storage, cluster } = typeof at === 'string' ? storageAt(at) : at;
  // `normal`: the tests check what is stored, not fsync, and the machine is shared.
  const store = await openStore(
    { storage: { ...storage, durability: 'normal' }, cluster },
    { minFreeDisk: () => 0 },
  );
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Marks endpoints paused in a database before relay starts on it (as the admin API would). */
export function pauseEndpoints(
  at: string | Pick<RelayConfig, 'storage' | 'cluster'>,
  endpoints: string[],
): Promise<void> {
  return withStore(at, async (store) => {
    for (const name of endpoints) await store.setEndpointState(name, 'paused', Date.now(), 'test');
  });
}

/** Every stored event (up to `limit`), newest first, each with its deliveries. */
export function allEvents(store: Store, limit = 10_000): Promise<EventSummary[]> {
  const filter = {
    source: undefined,
    type: undefined,
    state: undefined,
    endpoint: undefined,
    before: undefined,
  };
  return store.reads.listEvents({ since: 0, ...filter, limit });
}

/** Every stored delivery with its attempts, in id order. */
export async function allDeliveries(store: Store): Promise<DeliveryDetail[]> {
  const ids = (await allEvents(store)).flatMap((e) => e.deliveries.map((d) => d.id)).sort((a, b) => a - b);
  return Promise.all(ids.map(async (id) => (await store.reads.delivery(id))!));
}

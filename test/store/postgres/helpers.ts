import { afterEach } from 'vitest';
import { openPostgresStore, type PostgresStoreOptions } from '../../../src/store/postgres/store.ts';
import type { NewEvent, Store } from '../../../src/store/store.ts';
import { freshPostgresDatabase } from '../../helpers/postgres.ts';

const open: Store[] = [];

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((store) => store.close()));
});

/** A store on `url`, closed after the test. */
export async function openStore(url: string, options: Partial<PostgresStoreOptions> = {}): Promise<Store> {
  const store = await openPostgresStore({ url, pool: 4, ...options });
  open.push(store);
  return store;
}

/** Two relays' stores on one fresh database. */
export async function twoRelays(): Promise<{ url: string; a: Store; b: Store }> {
  const { url } = await freshPostgresDatabase();
  const a = await openStore(url, { instance: 'a' });
  const b = await openStore(url, { instance: 'b' });
  return { url, a, b };
}

/** Renewals on every store, round after round, until the shares settle (each round moves each toward its share). */
export async function settle(stores: readonly Store[], endpoints: readonly string[], now: number) {
  let owned: Set<string>[] = [];
  for (let round = 0; round < 3; round++) {
    owned = [];
    for (const store of stores) owned.push((await store.cluster.renew(endpoints, now)).owned);
  }
  return owned;
}

let n = 0;

export function event(overrides: Partial<NewEvent> = {}): NewEvent {
  n++;
  return {
    id: `evt_${String(n).padStart(6, '0')}_${Math.random().toString(36).slice(2, 8)}`,
    source: 'sendblue',
    type: 'receive',
    receivedAt: 1_700_000_000_000,
    contentType: 'application/json',
    body: Buffer.from(`{"n":${n}}`),
    endpoints: ['crm'],
    idempotency: undefined,
    ...overrides,
  };
}

import type { RelayConfig } from '../config/schema.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** `limits.min_free_disk` of the running config (a reload may change it). */
  minFreeDisk: () => number;
  /** After each commit of a batch of writes: how many units of work it held. */
  onCommit?: (items: number) => void;
}

/**
 * The backend `storage` names. Loaded on demand, so a command that never
 * opens a store never loads a database driver.
 */
export async function openStore(storage: RelayConfig['storage'], options: OpenStoreOptions): Promise<Store> {
  const { openSqliteStore } = await import('./sqlite/store.ts');
  return openSqliteStore({
    path: storage.path,
    durability: storage.durability,
    maxSize: storage.max_size,
    minFreeDisk: options.minFreeDisk,
    onCommit: options.onCommit,
  });
}

/**
 * Unfinished deliveries per endpoint, read without taking the store over
 * (a running relay may own it): what `relay check` compares with the
 * endpoints a config names. Undefined when nothing is stored yet.
 */
export async function peekUnfinished(
  storage: RelayConfig['storage'],
): Promise<Map<string, number> | undefined> {
  const [{ unfinishedByEndpoint }, { nativeBindingFor }] = await Promise.all([
    import('./sqlite/inspect.ts'),
    import('./sqlite/native.ts'),
  ]);
  return unfinishedByEndpoint(storage.path, () => nativeBindingFor(storage.path));
}

import type { RelayConfig } from '../config/schema.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** `limits.min_free_disk` of the running config (a reload may change it). */
  minFreeDisk: () => number;
  /** After each commit of a batch of writes: how many units of work it held. */
  onCommit?: (items: number) => void;
}

type StorageConfig = Pick<RelayConfig, 'storage' | 'cluster'>;

/**
 * The backend `storage` names. Loaded on demand, so a command that never
 * opens a store never loads a database driver, and a SQLite relay never
 * loads pg.
 */
export async function openStore(
  { storage, cluster }: StorageConfig,
  options: OpenStoreOptions,
): Promise<Store> {
  if (storage.backend === 'postgres') {
    const { openPostgresStore } = await import('./postgres/store.ts');
    return openPostgresStore({
      url: storage.url!,
      pool: storage.pool,
      instance: cluster.instance,
      lease: cluster.lease,
      onCommit: options.onCommit,
    });
  }
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
 * endpoints a config names. Undefined when nothing is stored yet; rejects
 * with a RelayError when the database cannot be reached.
 */
export async function peekUnfinished({ storage }: StorageConfig): Promise<Map<string, number> | undefined> {
  if (storage.backend === 'postgres') {
    const { unfinishedByEndpoint } = await import('./postgres/inspect.ts');
    return unfinishedByEndpoint(storage.url!);
  }
  const [{ unfinishedByEndpoint }, { nativeBindingFor }] = await Promise.all([
    import('./sqlite/inspect.ts'),
    import('./sqlite/native.ts'),
  ]);
  return unfinishedByEndpoint(storage.path, () => nativeBindingFor(storage.path));
}

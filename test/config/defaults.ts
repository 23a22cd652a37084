/** The normalized sections a config gets when its file says nothing about them. */
export const defaultSections = {
  listen: { ingest: { host: '0.0.0.0', port: 8080 }, admin: { host: '127.0.0.1', port: 9090 } },
  limits: {
    body: 1_048_576,
    max_pending: 1_000_000,
    min_free_disk: 268_435_456,
    max_connections: 1024,
    header_timeout: 10_000,
    request_timeout: 30_000,
  },
  cluster: { instance: undefined, lease: 15_000 },

  admin: {
    token: undefined,
    tokens: [],
    require_reason: false,
    webhooks: { secret_header: 'sb-signing-secret' },
  },
  delivery: {
    shutdown_grace: 10_000,
    drain_delay: 0,
    require_https: false,
    deny_private: false,
    allow_networks: [],
  },
};

/** `storage` with its defaults, at `path`. */
export function defaultStorage(path: string) {
  return {
    backend: 'sqlite',
    path,
    url: undefined,
    pool: 10,
    durability: 'full',
    retention: 604_800_000,
    dedup_window: 86_400_000,
    max_size: undefined,
  };
}

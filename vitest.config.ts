import { defineConfig } from 'vitest/config';

const common = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks',
} as const;

/** The suites that start a relay (in process or as the real daemon): run again on PostgreSQL. */
const RELAY_SUITES = [
  'test/e2e/**/*.test.ts',
  'test/admin/**/*.test.ts',
  'test/ingest/**/*.test.ts',
  'test/dispatch/**/*.test.ts',
  'test/reload.test.ts',
  'test/routing/**/*.test.ts',
];

/** Left out of the postgres project (each still runs in the default one): tests about SQLite itself. */
const NOT_ON_POSTGRES = [
  // storage.max_size, SQLite's size cap: PostgreSQL's disk is the server's.
  'test/e2e/disk-full.test.ts',
  // Writes its backlog of 10,000 due retries through the SQLite statements, before relay starts.
  'test/dispatch/first-slots.test.ts',
];

export default defineConfig({
  test: {
    ...common,
    // One throwaway PostgreSQL server per run (or RELAY_TEST_POSTGRES_URL's), stopped at the end.
    // Declared here, at the root, so both projects share the one server.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    projects: [
      { test: { ...common, name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        test: {
          ...common,
          name: 'postgres',
          include: RELAY_SUITES,
          exclude: NOT_ON_POSTGRES,
          env: { RELAY_TEST_BACKEND: 'postgres' },
          setupFiles: ['test/helpers/postgres-backend-setup.ts'],
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One throwaway PostgreSQL server per run (or RELAY_TEST_POSTGRES_URL's), stopped at the end.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
  },
});

/**
 * vitest globalSetup: one PostgreSQL server for the whole `vitest run`,
 * stopped when the run ends (scripts/lib/postgres-server.ts), or the server
 * named by RELAY_TEST_POSTGRES_URL. Its URL reaches the tests through
 * `provide`; test/helpers/postgres.ts reads it.
 *
 * A server that cannot start is not thrown here, which would fail the SQLite
 * tests too: it is handed on, and every PostgreSQL test fails with it.
 */
import type { TestProject } from 'vitest/node';
import { startPostgresServer } from '../../scripts/lib/postgres-server.ts';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.RELAY_TEST_POSTGRES_URL;
  if (external) {
    project.provide('relayPostgres', { url: external });
    return undefined;
  }
  try {
    const server = await startPostgresServer();
    project.provide('relayPostgres', { url: server.url });
    return () => server.stop();
  } catch (error) {
    project.provide('relayPostgres', { error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

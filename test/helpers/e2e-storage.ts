import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshPostgresDatabase } from './postgres.ts';
import { writeDaemonConfig } from './process.ts';

/** Where a spawned relay keeps its outbox, for the end-to-end cases shown on each backend. */
export interface E2eStorage {
  name: string;
  /** Writes `yaml` as `dir/relay.yaml` on this storage; returns the file's path. A restart on it finds the same data. */
  writeConfig(dir: string, yaml: string): Promise<string>;
}

/**
 * The e2e suite's own storage (what writeDaemonConfig gives every e2e test),
 * and PostgreSQL named outright (a fresh database), so a case shows both
 * whatever the suite runs on. The PostgreSQL relay has a fixed instance
 * name: a relay restarted after kill -9 is the same member, and takes its
 * endpoints and its claims back at once rather than a lease later.
 */
export const e2eStorages: readonly E2eStorage[] = [
  { name: 'the suite storage', writeConfig: async (dir, yaml) => writeDaemonConfig(dir, yaml) },
  {
    name: 'PostgreSQL',
    async writeConfig(dir, yaml) {
      const db = await freshPostgresDatabase();
      const file = join(dir, 'relay.yaml');
      writeFileSync(
        file,
        `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { backend: postgres, url: "${db.url}", pool: 4 }
cluster: { instance: e2e }
${yaml}`,
      );
      return file;
    },
  },
];

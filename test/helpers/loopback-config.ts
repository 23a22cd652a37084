import { isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { databaseUrlFor, testBackend } from './backend.ts';

const TEST_LEASE = '3s';

const DEFAULTS = [
  [['listen', 'ingest'], '127.0.0.1:0'],
  [['listen', 'admin'], '127.0.0.1:0'],
] as const;

/**
 * Completes a test's config text: each listener it does not name binds
 * 127.0.0.1 port 0, so no test ever takes a fixed port, and the database is
 * `storagePath` (relative to `configDir`, the config file's directory)
 * unless the text names one. Everything the text says stands.
 *
 * On the PostgreSQL test backend (backend.ts) the storage location becomes
 * `storage.url` of the database standing for it, unless the text names a
 * backend itself, and leases are short.
 */
export function withLoopbackDefaults(yaml: string, storagePath: string, configDir = '.'): string {
  const doc = parseDocument(yaml);
  for (const [path, value] of DEFAULTS) {
    if (!doc.hasIn(path)) doc.setIn(path, value);
  }
  if (!doc.hasIn(['storage', 'path'])) doc.setIn(['storage', 'path'], storagePath);
  if (testBackend() === 'postgres' && !doc.hasIn(['storage', 'backend'])) {
    const location = String(doc.getIn(['storage', 'path']));
    doc.deleteIn(['storage', 'path']);
    doc.setIn(['storage', 'backend'], 'postgres');
    doc.setIn(
      ['storage', 'url'],
      databaseUrlFor(isAbsolute(location) ? location : join(configDir, location)),
    );
    // A relay killed with -9 and started again is a new member: it takes the dead one's endpoints
    // once their leases run out, which the tests should not wait the default 15 s for.
    if (!doc.hasIn(['cluster', 'lease'])) doc.setIn(['cluster', 'lease'], TEST_LEASE);
  }
  return doc.toString({ lineWidth: 0 });
}

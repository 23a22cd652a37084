import { parseDocument } from 'yaml';

const DEFAULTS = [
  [['listen', 'ingest'], '127.0.0.1:0'],
  [['listen', 'admin'], '127.0.0.1:0'],
] as const;

/**
 * Completes a test's config text: each listener it does not name binds
 * 127.0.0.1 port 0, so no test ever takes a fixed port, and the database is
 * `storagePath` unless the text names one. Everything the text says stands.
 */
export function withLoopbackDefaults(yaml: string, storagePath: string): string {
  const doc = parseDocument(yaml);
  for (const [path, value] of [...DEFAULTS, [['storage', 'path'], storagePath] as const]) {
    if (!doc.hasIn(path)) doc.setIn(path, value);
  }
  return doc.toString({ lineWidth: 0 });
}

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { RESTART_ONLY_SETTINGS, refuseRestartOnlyChanges } from '../../src/config/restart-only.ts';
import { RestartRequiredError } from '../../src/errors.ts';
import { testConfig } from '../helpers/relay.ts';
import { tempDir } from '../helpers/temp.ts';

const BASE = `sources: { app: {} }
endpoints: { a: { url: "http://127.0.0.1:9/a" } }
routes: [{ from: [app], to: [a] }]
`;

/** Each restart-only setting, changed from what testConfig gives. */
const CHANGES: Record<string, string> = {
  'listen.ingest': 'listen: { ingest: "127.0.0.1:18080" }',
  'listen.admin': 'listen: { admin: "127.0.0.1:19090" }',
  'storage.path': 'storage: { path: ./other.db }',
  'storage.durability': 'storage: { durability: normal }',
  'storage.max_size': 'storage: { max_size: 1GiB }',
  'limits.max_connections': 'limits: { max_connections: 10 }',
  'limits.header_timeout': 'limits: { header_timeout: 2s }',
  'limits.request_timeout': 'limits: { request_timeout: 5s }',
};

/** PostgreSQL's restart-only settings, changed from a PostgreSQL base. */
// The listeners testConfig would give, so that only the storage settings differ.
const LISTEN = 'listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }\n';
const PG = `${LISTEN}storage: { backend: postgres, url: "postgres://relay@127.0.0.1:5432/relay" }`;
const ON_POSTGRES: Record<string, string> = {
  'storage.url': `${LISTEN}storage: { backend: postgres, url: "postgres://relay@127.0.0.1:5432/other" }`,
  'storage.pool': `${LISTEN}storage: { backend: postgres, url: "postgres://relay@127.0.0.1:5432/relay", pool: 4 }`,
  'cluster.instance': `${PG}\ncluster: { instance: other }`,
};

/** Settings a reload applies: changing them is not refused. */
const LIVE = [
  'storage: { retention: 1d, dedup_window: 1h }',
  'limits: { body: 64KiB, max_pending: 10, min_free_disk: 1GiB }',
  'admin: { token: t0ken }',
  'delivery: { shutdown_grace: 1s, drain_delay: 1s, deny_private: true }',
  'defaults: { timeout: 1s }',
];

/** What refuseRestartOnlyChanges throws for a reload from BASE to BASE plus `yaml`, if anything. */
function refusal(yaml: string, from?: string): unknown {
  const dir = tempDir();
  // A PostgreSQL config has no storage.path, which testConfig would add: parse it as written.
  const parse = (text: string) =>
    text.includes('backend: postgres')
      ? parseConfig(text, { env: {}, baseDir: dir })
      : testConfig(text, {}, dir);
  try {
    refuseRestartOnlyChanges(parse(`${BASE}${from ?? ''}\n`), parse(`${BASE}${yaml}\n`));
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('restart-only settings', () => {
  it('are listed once each, and each has a change to test', () => {
    expect([...Object.keys(CHANGES), ...Object.keys(ON_POSTGRES), 'storage.backend'].sort()).toEqual(
      [...RESTART_ONLY_SETTINGS].sort(),
    );
  });

  it.each(Object.entries(CHANGES))('refuses a reload that changes %s', (setting, yaml) => {
    const error = refusal(yaml);
    expect(error).toBeInstanceOf(RestartRequiredError);
    expect((error as RestartRequiredError).settings).toEqual([setting]);
  });

  it.each(Object.entries(ON_POSTGRES))('refuses a reload that changes %s on PostgreSQL', (setting, yaml) => {
    const error = refusal(yaml, PG);
    expect(error).toBeInstanceOf(RestartRequiredError);
    expect((error as RestartRequiredError).settings).toEqual([setting]);
  });

  it('refuses a reload that moves to another backend (and so another URL)', () => {
    expect((refusal(PG) as RestartRequiredError).settings).toEqual(['storage.backend', 'storage.url']);
  });

  it('names every restart-only setting a reload changes', () => {
    expect(refusal('listen: { ingest: "127.0.0.1:18080" }\nstorage: { durability: normal }')).toMatchObject({
      message: 'these settings change only at a restart: listen.ingest, storage.durability',
    });
  });

  it.each(LIVE)('lets a reload change %s', (yaml) => {
    expect(refusal(yaml)).toBeUndefined();
  });
});

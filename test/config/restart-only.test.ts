import { describe, expect, it } from 'vitest';
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

/** Settings a reload applies: changing them is not refused. */
const LIVE = [
  'storage: { retention: 1d, dedup_window: 1h }',
  'limits: { body: 64KiB, max_pending: 10, min_free_disk: 1GiB }',
  'admin: { token: t0ken }',
  'delivery: { shutdown_grace: 1s, drain_delay: 1s, deny_private: true }',
  'defaults: { timeout: 1s }',
];

/** What refuseRestartOnlyChanges throws for a reload from BASE to BASE plus `yaml`, if anything. */
function refusal(yaml: string): unknown {
  const dir = tempDir();
  try {
    refuseRestartOnlyChanges(testConfig(BASE, {}, dir), testConfig(`${BASE}${yaml}\n`, {}, dir));
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('restart-only settings', () => {
  it('are listed once each, and each has a change to test', () => {
    expect(Object.keys(CHANGES).sort()).toEqual([...RESTART_ONLY_SETTINGS].sort());
  });

  it.each(Object.entries(CHANGES))('refuses a reload that changes %s', (setting, yaml) => {
    const error = refusal(yaml);
    expect(error).toBeInstanceOf(RestartRequiredError);
    expect((error as RestartRequiredError).settings).toEqual([setting]);
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

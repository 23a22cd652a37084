import { describe, expect, it } from 'vitest';
import { configFingerprint } from '../../src/config/running.ts';
import { RestartRequiredError } from '../../src/errors.ts';
import { byBackend } from '../helpers/backend.ts';
import { ManualClock } from '../helpers/clock.ts';
import { startTestRelay, testConfig } from '../helpers/relay.ts';
import { tempDir } from '../helpers/temp.ts';
import { api } from './api.ts';

const yaml = (endpoints: string) => `
admin: { token: adm1n }
sources: { app: { verify: { scheme: bearer, secret: s3cret } } }
endpoints: { ${endpoints} }
`;

describe('GET /admin/config and /readyz', () => {
  it('show the running config (secrets masked), its fingerprint and load time, and follow a reload', async () => {
    const dir = tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
    const first = testConfig(yaml('a: { url: "http://127.0.0.1:9/a?key=k3y" }'), {}, dir);
    const relay = await startTestRelay(first, clock);

    const shown = await api(relay.adminUrl, '/admin/config', { token: 'adm1n' });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      fingerprint: configFingerprint(first),
      loaded_at: '2026-11-21T12:00:00.000Z',
      config: {
        admin: { token: '***' },
        sources: { app: { verify: { scheme: 'bearer', secrets: ['***'] } } },
        endpoints: { a: { url: 'http://127.0.0.1:9/a?key=***', timeout: 10_000 } },
        storage: { path: first.storage.path },
      },
    });
    expect(shown.text).not.toMatch(/s3cret|adm1n|k3y/);
    const ready = await api(relay.adminUrl, '/readyz');
    expect(ready).toMatchObject({
      status: 200,
      json: {
        status: 'ready',
        config: { fingerprint: configFingerprint(first), loaded_at: '2026-11-21T12:00:00.000Z' },
      },
    });

    clock.advance(60_000);
    const second = testConfig(
      yaml('a: { url: "http://127.0.0.1:9/a" }, b: { url: "http://127.0.0.1:9/b" }'),
      {},
      dir,
    );
    relay.reload(second);
    const identity = { fingerprint: configFingerprint(second), loaded_at: '2026-11-21T12:01:00.000Z' };
    expect(identity.fingerprint).not.toBe(configFingerprint(first));
    expect((await api(relay.adminUrl, '/readyz')).json.config).toEqual(identity);
    const after = await api(relay.adminUrl, '/admin/config', { token: 'adm1n' });
    expect(after.json).toMatchObject(identity);
    expect(Object.keys(after.json.config.endpoints)).toEqual(['a', 'b']);
  });

  it('keep the running config when a reload is refused for a restart-only change', async () => {
    const dir = tempDir();
    const first = testConfig(yaml('a: { url: "http://127.0.0.1:9/a" }'), {}, dir);
    const relay = await startTestRelay(first);
    // A storage setting only a restart applies, on the backend the relay runs on.
    const restartOnly = byBackend({ sqlite: 'durability: normal', postgres: 'pool: 3' });
    const moved = testConfig(
      `${yaml('a: { url: "http://127.0.0.1:9/a" }, b: { url: "http://127.0.0.1:9/b" }')}storage: { ${restartOnly} }\n`,
      {},
      dir,
    );
    expect(() => relay.reload(moved)).toThrow(RestartRequiredError);
    const shown = await api(relay.adminUrl, '/admin/config', { token: 'adm1n' });
    expect(shown.json.fingerprint).toBe(configFingerprint(first));
    expect(Object.keys(shown.json.config.endpoints)).toEqual(['a']);
    expect((await api(relay.adminUrl, '/admin/endpoints', { token: 'adm1n' })).json.endpoints).toHaveLength(
      1,
    );
  });

  it('needs the admin token like every /admin/ route', async () => {
    const relay = await startTestRelay(testConfig(yaml('a: { url: "http://127.0.0.1:9/a" }')));
    expect((await api(relay.adminUrl, '/admin/config')).status).toBe(401);
  });
});

import { describe, expect, it } from 'vitest';
import { configFingerprint } from '../../src/config/running.ts';
import { testConfig } from '../helpers/relay.ts';
import { tempDir } from '../helpers/temp.ts';

const fingerprintOf = (yaml: string, dir: string, env: Record<string, string> = {}) =>
  configFingerprint(testConfig(yaml, env, dir));

describe('configFingerprint', () => {
  it("ignores the file's layout: key order, comments, spelled-out defaults", () => {
    const dir = tempDir();
    const plain = fingerprintOf(
      'sources: { app: {} }\nendpoints: { a: { url: "http://127.0.0.1:9/a", timeout: 2s } }\n',
      dir,
    );
    const reordered = fingerprintOf(
      `# the same config, written differently
endpoints:
  a: { timeout: 2000ms, url: "http://127.0.0.1:9/a" }
sources:
  app: {}
storage: { retention: 7d }
`,
      dir,
    );
    expect(reordered).toBe(plain);
    expect(plain).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes with any setting, a secret included, without showing it', () => {
    const dir = tempDir();
    const yaml = `sources: { app: { verify: { scheme: bearer, secret: "\${SECRET}" } } }\n`;
    const first = fingerprintOf(yaml, dir, { SECRET: 'first-secret' });
    expect(fingerprintOf(yaml, dir, { SECRET: 'second-secret' })).not.toBe(first);
    expect(fingerprintOf(`${yaml}limits: { body: 2MiB }\n`, dir, { SECRET: 'first-secret' })).not.toBe(first);
    expect(first).not.toContain('first-secret');
  });
});

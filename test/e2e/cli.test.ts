import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { testBackend } from '../helpers/backend.ts';
import { runCli, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { withStore } from '../helpers/store.ts';
import { tempDir } from '../helpers/temp.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures/config');

describe('relay CLI', () => {
  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('prints the JSON Schema of the config', async () => {
    const { code, stdout } = await runCli(['schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['listen', 'storage', 'sources', 'endpoints', 'routes']),
    );
  });

  it('checks the example config and prints its routing table', async () => {
    const { code, stdout, stderr } = await runCli(['check', '--config', resolve('config.example.yaml')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('config OK: 3 sources, 1 endpoints, 1 routes');
    expect(stdout).toMatch(/sendblue\s+receive, received, inbound\s+→ local/);
    expect(stdout).not.toContain('example-sendblue-secret');
  });

  const badConfigs = readdirSync(fixtures).filter((f) => f.endsWith('.expected'));
  it.each(badConfigs)('refuses %s with its exact problem lines and exit code 2', async (expectedFile) => {
    const yaml = join(fixtures, expectedFile.replace(/\.expected$/, '.yaml'));
    const expected = readFileSync(join(fixtures, expectedFile), 'utf8').trim().split('\n');
    const { code, stdout, stderr } = await runCli(['check', '--config', yaml], { RELAY_TEST_UNSET: '' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'relay: invalid config',
      ...expected.map((line) => `  ${line}`),
    ]);
  });

  it('starts no daemon on a bad config', async () => {
    const yaml = join(fixtures, badConfigs[0]!.replace(/\.expected$/, '.yaml'));
    const { code, stdout } = await runCli(['--config', yaml]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
  });

  it('says what is missing without a stack trace when --config is absent or unreadable', async () => {
    const missing = await runCli(['check']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config');
    const unreadable = await runCli(['check', '--config', '/nonexistent/relay.yaml']);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('cannot read /nonexistent/relay.yaml');
    expect(unreadable.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('relay daemon', () => {
  function writeConfig(dir: string): string {
    return writeDaemonConfig(
      dir,
      `storage: { path: ./data/relay.db }
sources:
  sendblue:
    verify: { header: sb-signing-secret, secret: "\${SB_SECRET}" }
    type: { field: status, map: { RECEIVED: receive } }
endpoints:
  crm: { url: "http://127.0.0.1:9/crm" }
routes:
  - { from: [sendblue], types: [receive], to: [crm] }
`,
    );
  }

  it('accepts an event, then stops on SIGTERM with exit code 0', async () => {
    const dir = tempDir();
    const relay = await spawnRelay(['--config', writeConfig(dir)], { SB_SECRET: 'top-secret-value' });
    const res = await fetch(`${relay.ingestUrl}/in/sendblue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sb-signing-secret': 'top-secret-value' },
      body: JSON.stringify({ status: 'RECEIVED', content: 'hi' }),
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    const stored = await withStore(join(dir, 'data/relay.db'), (store) => store.reads.event(id));
    expect(stored).toMatchObject({ id, type: 'receive' });
    expect(JSON.stringify(relay.logs)).not.toContain('top-secret-value');
  });

  it('stops gracefully on a SIGTERM sent the moment it reports started', async () => {
    for (let round = 0; round < 3; round++) {
      const relay = await spawnRelay(['--config', writeConfig(tempDir())], { SB_SECRET: 'x' });
      relay.child.kill('SIGTERM');
      expect(await relay.exited).toBe(0);
      expect(relay.logs.map((entry) => entry.msg)).toContain('relay stopped');
    }
  });

  it('shows in /readyz the fingerprint relay check prints for its file', async () => {
    const config = writeConfig(tempDir());
    const relay = await spawnRelay(['--config', config], { SB_SECRET: 's' });
    const check = await runCli(['check', '--config', config], { SB_SECRET: 's' });
    const printed = /^fingerprint: (sha256:[0-9a-f]{64})$/m.exec(check.stdout)?.[1];
    const ready = (await (await fetch(`${relay.adminUrl}/readyz`)).json()) as {
      config: { fingerprint: string };
    };
    expect(ready.config.fingerprint).toBe(printed);
    const other = await runCli(['check', '--config', config], { SB_SECRET: 'another' });
    expect(other.stdout).not.toContain(printed);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('refuses to run a second relay on the same SQLite file, with one clear line; on PostgreSQL both run', async () => {
    const dir = tempDir();
    const config = writeConfig(dir);
    const first = await spawnRelay(['--config', config], { SB_SECRET: 's' });
    if (testBackend() === 'postgres') {
      // Relays share a PostgreSQL database by design (DESIGN.md "Several relays on one PostgreSQL").
      const second = await spawnRelay(['--config', config], { SB_SECRET: 's' });
      const cluster = await fetch(`${second.adminUrl}/admin/cluster`);
      expect(((await cluster.json()) as { members: unknown[] }).members).toHaveLength(2);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } else {
      const second = await runCli(['--config', config], { SB_SECRET: 's' });
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(
        `relay: another relay is already running on ${join(dir, 'data/relay.db')} (lock file ${join(dir, 'data/relay.db')}.lock is held)`,
      );
    }
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});

describe('relay daemon reload', () => {
  it('reads secret files again on SIGHUP', async () => {
    const dir = tempDir();
    const secretFile = join(dir, 'inbound.secret');
    writeFileSync(secretFile, 'first-secret\n');
    const config = writeDaemonConfig(
      dir,
      `sources:
  app:
    verify: { scheme: bearer, secret_file: ./inbound.secret }
`,
    );
    const relay = await spawnRelay(['--config', config]);
    const postWith = (token: string) =>
      fetch(`${relay.ingestUrl}/in/app`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      }).then((res) => res.status);
    expect(await postWith('first-secret')).toBe(200);
    writeFileSync(secretFile, 'second-secret\n');
    relay.child.kill('SIGHUP');
    await relay.waitForLog('config reloaded');
    expect(await postWith('second-secret')).toBe(200);
    expect(await postWith('first-secret')).toBe(401);
    expect(JSON.stringify(relay.logs)).not.toMatch(/first-secret|second-secret/);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

describe('relay check findings', () => {
  it('lists endpoints on private addresses and stored backlogs the file no longer names', async () => {
    const dir = tempDir();
    const yaml = (endpoints: string) =>
      `sources: { app: { type: { field: type } } }
endpoints:
${endpoints}
routes: [{ from: [app], types: "*", to: [local] }]
`;
    const config = writeDaemonConfig(
      dir,
      yaml(
        `  local: { url: "http://127.0.0.1:9/hook?token=hidden-value" }\n  old: { url: "http://10.0.0.5/x" }`,
      ),
    );
    // Store a backlog for `old`, then drop it from the file.
    const relay = await spawnRelay(['--config', config]);
    await fetch(`${relay.adminUrl}/admin/endpoints/old/pause`, { method: 'POST' });
    writeDaemonConfig(
      dir,
      yaml(
        `  local: { url: "http://127.0.0.1:9/hook?token=hidden-value" }\n  old: { url: "http://10.0.0.5/x" }`,
      ).replace('to: [local]', 'to: [local, old]'),
    );
    await relay.waitForLog('config reloaded');
    await fetch(`${relay.ingestUrl}/in/app`, {
      method: 'POST',
      body: '{"type":"t"}',
      headers: { 'content-type': 'application/json' },
    });
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    writeDaemonConfig(dir, yaml(`  local: { url: "http://127.0.0.1:9/hook?token=hidden-value" }`));

    const { code, stdout } = await runCli(['check', '--config', config]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /endpoints on loopback\/private\/link-local addresses \(allowed\):\n\s+local\s+127\.0\.0\.1/,
    );
    expect(stdout).toMatch(
      /stored backlogs of endpoints this file does not name \(held, not delivered\):\n\s+old\s+1 deliveries/,
    );
    expect(stdout).not.toContain('hidden-value');
  });
});

import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, listDeliveries } from '../admin/api.ts';
import { opsHarness, runCli, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { startTarget, type Target } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

const TOKEN = 'ops-admin-token-7f3a';
const SECRETS = [
  TOKEN,
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'x-key-secret-1',
];
const env = { RELAY_ADMIN_TOKEN: TOKEN };

/** A port free right now, for a config that must name its admin port. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function writeConfig(
  dir: string,
  target: Target,
  options: { adminPort?: number; extra?: string } = {},
): string {
  return writeDaemonConfig(
    dir,
    `listen: { admin: "127.0.0.1:${options.adminPort ?? 0}" }
admin: { token: "\${RELAY_ADMIN_TOKEN}" }
sources:
  app: { type: { field: type } }
endpoints:
  crm:
    url: "${target.url}/crm"
    signing: { scheme: standard-webhooks, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
    headers: { X-Key: x-key-secret-1 }
    retry: { schedule: [50ms], jitter: 0 }
${options.extra ?? ''}
routes:
  - { from: [app], to: [crm] }
${options.extra ? '  - { from: [app], types: [vip], to: [late] }' : ''}
`,
  );
}

async function start(target: Target, options: { adminPort?: number } = {}) {
  const dir = tempDir();
  const config = writeConfig(dir, target, options);
  const relay = await spawnRelay(['--config', config], env);
  const { cli, send, printed } = opsHarness(relay, env);
  const states = () => listDeliveries(relay.adminUrl, '', TOKEN);
  const noSecrets = () => {
    for (const secret of SECRETS) expect(printed()).not.toContain(secret);
  };
  return { dir, config, relay, cli, send, states, noSecrets };
}

/** After the target has seen the requests, waits for the daemon's admin API to show their outcomes. */
async function settle<T>(check: (deliveries: T[]) => boolean, states: () => Promise<T[]>): Promise<void> {
  await eventually(async () => check(await states()), 10_000).catch(async () => {
    throw new Error(`deliveries did not settle as expected: ${JSON.stringify(await states())}`);
  });
}

describe('ops CLI against the real daemon', () => {
  it('lists endpoints from the address and token in --config, and persists a pause across a restart', async () => {
    const target = await startTarget();
    const adminPort = await freePort();
    const { dir, config, relay, noSecrets } = await start(target, { adminPort });
    const viaConfig = ['--config', config];
    const list = await runCli(['endpoints', ...viaConfig], env);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^ENDPOINT\s+STATE\s+CIRCUIT\s+PENDING\s+IN FLIGHT\s+DEAD\s+OLDEST\s+LAST ATTEMPT\s+URL$/m,
    );
    expect(list.stdout).toMatch(
      /^crm\s+active\s+closed\s+0\s+0\s+0\s+-\s+-\s+http:\/\/127\.0\.0\.1:\d+\/crm$/m,
    );
    const paused = await runCli(['pause', 'crm', ...viaConfig], env);
    expect(paused.stdout.trim()).toBe('crm is paused (0 deliveries pending)');
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);

    // Restarted with a second endpoint, `late`, that also takes `vip` events: a barrier below.
    writeConfig(dir, target, { adminPort, extra: `  late: { url: "${target.url}/late" }` });
    const again = await spawnRelay(['--config', config], env);
    const json = await runCli(['endpoints', '--json', ...viaConfig], env);
    expect(JSON.parse(json.stdout).endpoints[0]).toMatchObject({ name: 'crm', state: 'paused' });
    const res = await fetch(`${again.ingestUrl}/in/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":"vip"}',
    });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    // One claim looks at both endpoints' work: once late has the event, a crm that was
    // not paused would have its delivery in flight or done.
    await target.waitFor(1, 15_000, (r) => r.path === '/late');
    const deliveries = await listDeliveries(again.adminUrl, '', TOKEN);
    expect(deliveries.filter((d) => d.event_id === id && d.endpoint === 'crm').map((d) => d.state)).toEqual([
      'pending',
    ]);
    expect(target.requests.filter((r) => r.path === '/crm')).toHaveLength(0);
    const resumed = await runCli(['resume', 'crm', ...viaConfig], env);
    expect(resumed.stdout.trim()).toBe('crm is active (1 delivery pending)');
    await target.waitFor(1, 15_000, (r) => r.path === '/crm');
    for (const secret of SECRETS) expect(list.stdout + json.stdout).not.toContain(secret);
    noSecrets();
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('lists events a page at a time, shows one with its attempts, and retries a delivery', async () => {
    const target = await startTarget((r) =>
      r.n === 1 ? { status: 500, body: 'first fails' } : { status: 200 },
    );
    const { cli, send, states, noSecrets } = await start(target);
    const first = await send('a', 1);
    await target.waitFor(2);
    await settle((ds) => ds[0]?.state === 'delivered', states);
    const second = await send('b', 2);
    await target.waitFor(3);
    await settle((ds) => ds.length === 2 && ds.every((d) => d.state === 'delivered'), states);

    const page = await cli('events', '--limit', '1');
    expect(page.code).toBe(0);
    expect(page.stdout).toMatch(/^EVENT\s+RECEIVED\s+SOURCE\s+TYPE\s+DELIVERIES$/m);
    expect(page.stdout).toContain(second);
    expect(page.stdout).not.toContain(first);
    const cursor = /more: add --cursor (\S+)/.exec(page.stdout)?.[1];
    expect(cursor).toBeDefined();
    const next = await cli('events', '--limit', '1', '--cursor', cursor!);
    expect(next.stdout).toContain(first);
    expect(next.stdout).not.toContain('more:');
    const filtered = await cli(
      'events',
      '--type',
      'b',
      '--source',
      'app',
      '--state',
      'delivered',
      '--endpoint',
      'crm',
      '--since',
      '1h',
    );
    expect(filtered.stdout.trim().split('\n')).toHaveLength(2);

    const shown = await cli('event', first);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`event ${first}`);
    expect(shown.stdout).toContain('body      {"type":"a","n":1}');
    expect(shown.stdout).toMatch(/delivery (\d+) → crm: delivered/);
    expect(shown.stdout).toMatch(/#1\s+\S+\s+500\s+\d+ ms\s+first fails/);
    expect(shown.stdout).toMatch(/#2\s+\S+\s+200\s+\d+ ms/);

    const deliveryId = /delivery (\d+) → crm/.exec(shown.stdout)![1]!;
    const retried = await cli('retry', deliveryId);
    expect(retried.stdout.trim()).toBe(`delivery ${deliveryId} of ${first} to crm: requeued`);
    await target.waitFor(4);
    expect(target.requests[3]!.headers['webhook-id']).toBe(first);
    noSecrets();
  });

  it('replays dead deliveries to a target that has come back, after a dry run', async () => {
    let down = true;
    const target = await startTarget(() => (down ? { status: 503 } : { status: 200 }));
    const { cli, send, states, noSecrets } = await start(target);
    const ids = [await send('a', 1), await send('a', 2)];
    await target.waitFor(4);
    await settle((ds) => ds.length === 2 && ds.every((d) => d.state === 'dead'), states);
    const dry = await cli('replay', 'crm', '--dead', '--dry-run');
    expect(dry.stdout.trim()).toBe(
      'crm: 2 dead deliveries (dry run: nothing requeued; at most 10000 would be)',
    );
    down = false;
    const before = target.requests.length;
    const replayed = await cli('replay', 'crm', '--dead', '--since', '1h');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/^crm: 2 dead deliveries of events received since \S+, 2 requeued$/m);
    await target.waitFor(before + 2);
    await settle((ds) => ds.every((d) => d.state === 'delivered'), states);
    expect(
      target.requests
        .slice(before)
        .map((r) => r.headers['webhook-id'])
        .sort(),
    ).toEqual(ids.sort());
    const usage = await cli('replay', 'crm');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('relay: pass --dead or --delivered');
    noSecrets();
  });

  it('backfills a new endpoint once, lists and drops a held backlog', async () => {
    const target = await startTarget();
    const { dir, relay, cli, send, states, noSecrets } = await start(target);
    const vip = await send('vip', 1);
    await send('plain', 2);
    await target.waitFor(2);
    await settle((ds) => ds.length === 2 && ds.every((d) => d.state === 'delivered'), states);
    writeConfig(dir, target, { extra: `  late: { url: "${target.url}/late" }` });
    relay.child.kill('SIGHUP');
    await relay.waitForLog('config reloaded');
    const first = await cli('backfill', 'late', '--since', '24h');
    expect(first.stdout).toMatch(/^late: 2 events since \S+ examined, 1 routed to it, 1 delivery created\n$/);
    const second = await cli('backfill', 'late', '--since', '24h');
    expect(second.stdout).toContain('1 routed to it, 0 deliveries created');
    await target.waitFor(1, 5_000, (r) => r.path === '/late');
    await settle((ds) => ds.length === 3 && ds.every((d) => d.state === 'delivered'), states);
    expect(target.requests.filter((r) => r.path === '/late').map((r) => r.headers['webhook-id'])).toEqual([
      vip,
    ]);

    const paused = await cli('pause', 'late');
    expect(paused.code).toBe(0);
    await send('vip', 3);
    writeConfig(dir, target); // `late` is gone: its pending delivery is held
    relay.child.kill('SIGHUP');
    await relay.waitForLog('config reloaded');
    const held = await cli('backlogs');
    expect(held.stdout).toMatch(/^late\s+1\s+0\s+\d+s$/m);
    const dropped = await cli('backlogs', 'drop', 'late');
    expect(dropped.stdout.trim()).toBe('late: 1 delivery marked dropped');
    expect((await cli('backlogs')).stdout.trim()).toBe('no held backlogs');
    noSecrets();
  });

  it('reports a failing test webhook with its status and a non-zero exit', async () => {
    let status = 500;
    const target = await startTarget(() => ({ status, body: 'upstream exploded' }));
    const { cli, noSecrets } = await start(target);
    const failed = await cli('test', 'crm', '--type', 'message.received');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('crm answered 500 in');
    expect(failed.stdout).toContain('response: upstream exploded');
    expect(failed.stderr).toMatch(/^relay: test failed: crm answered 500 in \d+ ms\n$/);
    expect(target.requests[0]!.headers['x-relay-type']).toBe('message.received');
    status = 204;
    const ok = await cli('test', 'crm');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^sent a relay\.test test event \(webhook-id evt_\S+\)\ncrm answered 204 in \d+ ms\n$/,
    );
    const json = await cli('test', 'crm', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, status: 204 });
    noSecrets();
  });

  it('fails with one clear line: no token, unknown names, nothing listening', async () => {
    const target = await startTarget();
    const { relay } = await start(target);
    const noToken = await runCli(['endpoints', '--admin', relay.adminUrl], { RELAY_ADMIN_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe(
      'relay: missing bearer token (Authorization: Bearer <admin.token>) (pass --token or set RELAY_ADMIN_TOKEN)\n',
    );
    const wrong = await runCli(['endpoints', '--admin', relay.adminUrl, '--token', 'nope'], {});
    expect(wrong.stderr).toContain('relay: wrong bearer token');
    const unknown = await runCli(['pause', 'nope', '--admin', relay.adminUrl], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("relay: no endpoint named 'nope' in the config\n");
    const event = await runCli(['event', 'evt_missing', '--admin', relay.adminUrl], env);
    expect(event.stderr).toBe("relay: no event with id 'evt_missing'\n");
    const down = await runCli(['endpoints', '--admin', 'http://127.0.0.1:9'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe('relay: cannot reach the admin API at http://127.0.0.1:9: ECONNREFUSED\n');
    for (const result of [noToken, wrong, unknown, event, down])
      expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

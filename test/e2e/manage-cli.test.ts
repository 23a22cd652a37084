import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opsHarness, runCli, spawnRelay, startCli, writeDaemonConfig } from '../helpers/process.ts';
import { startTarget, type Target } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

const TOKEN = 'manage-admin-token-91c2';
const SECRETS = [
  TOKEN,
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'hdr-secret-5',
  'sb-s3cret-7',
];
const env = { RELAY_ADMIN_TOKEN: TOKEN };

async function start(target: Target) {
  const dir = tempDir();
  const config = writeDaemonConfig(
    dir,
    `admin: { token: "\${RELAY_ADMIN_TOKEN}" }
sources:
  app: { type: { field: type } }
endpoints:
  crm: { url: "${target.url}/crm" }
routes:
  - { name: to-crm, from: [app], types: [crm], to: [crm] }
`,
  );
  const relay = await spawnRelay(['--config', config], env);
  const { cli, send, printed } = opsHarness(relay, env);
  const noSecrets = () => {
    for (const secret of SECRETS) expect(printed()).not.toContain(secret);
  };
  return { dir, relay, cli, send, noSecrets };
}

describe('management CLI against the real daemon', () => {
  it('adds, changes and removes an endpoint and a route, and lists the audit log', async () => {
    const target = await startTarget();
    const { dir, cli, send, noSecrets } = await start(target);
    const added = await cli(
      'endpoints',
      'add',
      'hook',
      '--url',
      `${target.url}/hook`,
      '--secret',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      '--header',
      'X-Key=hdr-secret-5',
      '--timeout',
      '5s',
      '--concurrency',
      '2',
      '--reason',
      'new hook for the CRM',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`hook: created, ${target.url}/hook (api, signing standard-webhooks, active)\n`);
    const route = await cli(
      'routes',
      'add',
      'to-hook',
      '--from',
      'app',
      '--types',
      'order,refund',
      '--to',
      'hook',
    );
    expect(route.stdout).toBe('to-hook: created, app source(s), order,refund type(s) → hook\n');
    const routes = await cli('routes');
    expect(routes.stdout).toMatch(/^ROUTE\s+ORIGIN\s+FROM\s+TYPES\s+FILTER\s+TO$/m);
    expect(routes.stdout).toMatch(/^to-crm\s+file\s+app\s+crm\s+-\s+crm$/m);
    expect(routes.stdout).toMatch(/^to-hook\s+api\s+app\s+order,refund\s+-\s+hook$/m);
    expect(JSON.parse((await cli('routes', '--json')).stdout).routes).toHaveLength(2);

    const id = await send('order');
    const [delivered] = await target.waitFor(1, 10_000, (r) => r.path === '/hook');
    expect(delivered!.headers['webhook-id']).toBe(id);
    expect(delivered!.headers['webhook-signature']).toMatch(/^v1,/);
    expect(delivered!.headers['x-key']).toBe('hdr-secret-5');

    const moved = await cli('endpoints', 'set', 'hook', '--url', `${target.url}/hook2`, '--json');
    expect(JSON.parse(moved.stdout)).toMatchObject({
      name: 'hook',
      origin: 'api',
      url: `${target.url}/hook2`,
    });
    await send('refund');
    await target.waitFor(1, 10_000, (r) => r.path === '/hook2');
    const file = join(dir, 'hook3.json');
    writeFileSync(file, JSON.stringify({ url: `${target.url}/hook3`, retry: { schedule: ['1s'] } }));
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n');
    const fromFile = await cli('endpoints', 'add', 'hook3', '-f', file, '--secret-file', secretFile);
    expect(fromFile.stdout).toBe(
      `hook3: created, ${target.url}/hook3 (api, signing standard-webhooks, active)\n`,
    );

    // A refused object: every problem on its own line, nothing stored.
    const bad = await cli(
      'endpoints',
      'add',
      'broken',
      '--url',
      'not-a-url',
      '--json-body',
      '{"colour":"red"}',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'relay: the endpoint is not valid\n  url: must be an absolute http(s) URL\n  colour: unknown key\n',
    );
    const fileObject = await cli('endpoints', 'rm', 'crm');
    expect(fileObject.code).toBe(1);
    expect(fileObject.stderr).toBe(
      "relay: endpoint 'crm' comes from the config file: it is read-only through the API (edit the file)\n",
    );
    const usage = await cli('endpoints', 'set', 'hook');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('relay: nothing to change: pass --url, --secret, …\n');

    expect((await cli('routes', 'rm', 'to-hook')).stdout).toBe('to-hook: deleted\n');
    expect((await cli('endpoints', 'rm', 'hook3')).stdout).toBe('hook3: deleted\n');
    const audit = await cli('audit', '--since', '1h', '--limit', '3');
    expect(audit.stdout).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+REASON$/m);
    expect(audit.stdout).toMatch(/^\S+\s+admin\s+endpoint\.delete\s+hook3\s+ok\s+-$/m);
    expect(audit.stdout).toMatch(/^more: add --cursor \S+$/m);
    const all = JSON.parse((await cli('audit', '--json', '--limit', '500')).stdout).entries;
    expect(all.findLast((e: { action: string }) => e.action === 'endpoint.create')).toMatchObject({
      target: 'hook',
      reason: 'new hook for the CRM',
      outcome: 'ok',
    });
    expect(all.some((e: { outcome: string }) => e.outcome === 'RELAY_ERR_CONFLICT')).toBe(true);
    noSecrets();
  });

  it('lists, adds and removes SendBlue-style webhooks', async () => {
    const target = await startTarget();
    const { cli, noSecrets } = await start(target);
    expect((await cli('webhooks')).stdout).toBe('no webhooks\n');
    const own = await cli('webhooks', 'add', `${target.url}/sb`, '--secret', 'sb-s3cret-7');
    expect(own.stdout).toBe(`${target.url}/sb: receives receive events (with its own secret)\n`);
    await cli('webhooks', 'add', `${target.url}/status`, '--type', 'outbound');
    const list = await cli('webhooks');
    expect(list.stdout).toMatch(/^TYPE\s+SECRET\s+URL$/m);
    expect(list.stdout).toMatch(new RegExp(`^receive\\s+own\\s+${target.url}/sb$`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^outbound\\s+none\\s+${target.url}/status$`, 'm'));
    expect(JSON.parse((await cli('webhooks', '--json')).stdout)).toEqual({
      status: 'OK',
      webhooks: { receive: [{ url: `${target.url}/sb`, secret: '***' }], outbound: [`${target.url}/status`] },
    });
    expect((await cli('webhooks', 'rm', `${target.url}/status`, '--type', 'outbound')).stdout).toBe(
      `${target.url}/status: removed from outbound\n`,
    );
    const missing = await cli('webhooks', 'rm', `${target.url}/status`, '--type', 'outbound');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`relay: no outbound webhook with the URL ${target.url}/status\n`);
    const refused = await cli('webhooks', 'add', 'ftp://nope');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^relay: Invalid webhook: .+\n$/);
    noSecrets();
  });

  it('tails the stream as lines and as JSON, stops cleanly on a signal, and fails clearly', async () => {
    const target = await startTarget();
    const { relay, send } = await start(target);
    const tail = startCli(['tail', '--admin', relay.adminUrl], env);
    await tail.waitForStderr('relay: following /admin/stream (Ctrl-C stops)');
    const json = startCli(['tail', '--json', '--endpoint', 'crm', '--admin', relay.adminUrl], env);
    await json.waitForStderr('following /admin/stream?endpoint=crm');
    const id = await send('crm');
    await tail.waitForLine((l) => l.includes(' delivery.completed '));
    expect(tail.lines[0]).toMatch(new RegExp(`^\\S+Z event\\.received ${id} app/crm → crm$`));
    expect(tail.lines[1]).toMatch(
      /^\S+Z delivery\.attempted crm delivery \d+ \(evt_\S+\) attempt 1: 200 in \d+ ms$/,
    );
    expect(tail.lines[2]).toMatch(/^\S+Z delivery\.completed crm delivery \d+ \(evt_\S+\): delivered$/);
    await json.waitForLine((l) => l.includes('delivery.completed'));
    const messages = json.lines.map((l) => JSON.parse(l));
    expect(messages.map((m) => m.event)).toEqual([
      'event.received',
      'delivery.attempted',
      'delivery.completed',
    ]);
    expect(messages[0]).toMatchObject({ id: expect.any(Number), data: { event_id: id, source: 'app' } });
    tail.child.kill('SIGTERM');
    json.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(await json.exited).toBe(0);

    const wrong = await runCli(['tail', '--admin', relay.adminUrl, '--token', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('relay: wrong bearer token (pass --token or set RELAY_ADMIN_TOKEN)\n');
    const down = await runCli(['tail', '--admin', 'http://127.0.0.1:9'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe('relay: cannot reach the admin API at http://127.0.0.1:9: ECONNREFUSED\n');

    // relay stopping ends the stream: tail says so and fails.
    const last = startCli(['tail', '--admin', relay.adminUrl], env);
    await last.waitForStderr('following');
    relay.child.kill('SIGTERM');
    expect(await last.exited).toBe(1);
    expect(last.stderr()).toContain(
      'relay: the admin API ended the stream (relay stopped, or found this reader too slow)\n',
    );
    expect(await relay.exited).toBe(0);
  });
});

import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { api } from '../admin/api.ts';
import { ingestEvent, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

const TOKEN = 'mgmt-admin-token-91c2';
const SECRET = 'whsec_bWFuYWdlZC1lbmRwb2ludC1zZWNyZXQtMTIzNA==';

describe('endpoints and routes made through the admin API', () => {
  it('deliver signed, survive a restart, follow a PATCH, and leave a held backlog when deleted', async () => {
    const target = await startTarget();
    const dir = tempDir();
    const config = writeDaemonConfig(
      dir,
      `admin: { token: "${TOKEN}" }
sources: { app: { type: { field: type } } }
`,
    );
    const call = (adminUrl: string, path: string, method = 'GET', body?: unknown) =>
      api(adminUrl, path, { method, token: TOKEN, ...(body === undefined ? {} : { body }) });

    let relay = await spawnRelay(['--config', config]);
    const created = await call(relay.adminUrl, '/admin/endpoints', 'POST', {
      name: 'crm',
      url: `${target.url}/a`,
      signing: { scheme: 'standard-webhooks', secret: SECRET },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'crm', origin: 'api', signing: 'standard-webhooks' });
    expect(created.text).not.toContain(SECRET);
    const route = await call(relay.adminUrl, '/admin/routes', 'POST', {
      name: 'to-crm',
      from: ['app'],
      types: '*',
      to: ['crm'],
    });
    expect(route.status).toBe(201);
    expect(route.json).toMatchObject({ name: 'to-crm', origin: 'api', to: ['crm'] });

    const first = await ingestEvent(relay.ingestUrl, { type: 'one' });
    const [got] = await target.waitFor(1, 10_000, (r) => r.headers['webhook-id'] === first);
    expect(got!.path).toBe('/a');
    expect(() => new Webhook(SECRET).verify(got!.body.toString(), got!.headers as never)).not.toThrow();

    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    relay = await spawnRelay(['--config', config]);
    const listed = await call(relay.adminUrl, '/admin/endpoints');
    expect(listed.json.endpoints).toEqual([expect.objectContaining({ name: 'crm', origin: 'api' })]);
    expect((await call(relay.adminUrl, '/admin/routes')).json.routes).toEqual([
      expect.objectContaining({ name: 'to-crm', origin: 'api' }),
    ]);

    const patched = await call(relay.adminUrl, '/admin/endpoints/crm', 'PATCH', { url: `${target.url}/b` });
    expect(patched.status).toBe(200);
    const second = await ingestEvent(relay.ingestUrl, { type: 'two' });
    const [moved] = await target.waitFor(1, 10_000, (r) => r.headers['webhook-id'] === second);
    expect(moved!.path).toBe('/b');

    // Paused, so the next event stays pending; deleting the endpoint then holds it.
    expect((await call(relay.adminUrl, '/admin/endpoints/crm/pause', 'POST', {})).status).toBe(200);
    await ingestEvent(relay.ingestUrl, { type: 'three' });
    const blocked = await call(relay.adminUrl, '/admin/endpoints/crm', 'DELETE');
    expect(blocked.status).toBe(400);
    expect(blocked.json.error.problems).toEqual([expect.stringContaining("unknown endpoint 'crm'")]);
    expect((await call(relay.adminUrl, '/admin/routes/to-crm', 'DELETE')).status).toBe(200);
    const deleted = await call(relay.adminUrl, '/admin/endpoints/crm', 'DELETE');
    expect(deleted.json).toEqual({ deleted: 'crm', held_deliveries: 1 });
    expect((await call(relay.adminUrl, '/admin/backlogs')).json.backlogs).toEqual([
      expect.objectContaining({ endpoint: 'crm', pending: 1 }),
    ]);

    const audit = await call(relay.adminUrl, '/admin/audit');
    expect(
      audit.json.entries.map((e: { action: string; outcome: string }) => `${e.action} ${e.outcome}`),
    ).toEqual([
      'endpoint.delete ok',
      'route.delete ok',
      'endpoint.delete RELAY_ERR_BAD_REQUEST',
      'endpoint.pause ok',
      'endpoint.update ok',
      'route.create ok',
      'endpoint.create ok',
    ]);
    expect(audit.json.entries.every((e: { actor: string }) => e.actor === 'admin')).toBe(true);
    expect(audit.text).not.toContain(SECRET);
    expect(JSON.stringify(relay.logs)).not.toContain(SECRET);
    expect(await (await fetch(`${relay.adminUrl}/metrics`)).text()).not.toContain(SECRET);
    expect((await call(relay.adminUrl, '/admin/config')).text).not.toContain(SECRET);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});

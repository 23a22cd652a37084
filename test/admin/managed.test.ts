import { describe, expect, it } from 'vitest';
import { startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';
import { api } from './api.ts';

const TOKEN = 'managed-test-token';

async function relayWithFileEndpoint(extra = '') {
  const target = await startTarget();
  const config = testConfig(`
admin: { token: "${TOKEN}"${extra} }
sources: { app: { type: { field: type } } }
endpoints: { filed: { url: "${target.url}/filed" } }
routes: [{ name: file-route, from: [app], types: "*", to: [filed] }]
`);
  const relay = await startTestRelay(config);
  const call = (path: string, method = 'GET', body?: unknown, headers?: Record<string, string>) =>
    fetch(`${relay.adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields it checks from an answer
    }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, any> }));
  return { relay, target, call };
}

describe('managed endpoints and routes: bad input', () => {
  it('refuses each bad object with a 4xx listing its problems, and stores nothing of it', async () => {
    const { call, target } = await relayWithFileEndpoint();
    const cases: { body: unknown; status: number; problems?: string[]; path?: string; method?: string }[] = [
      {
        body: { name: 'a', url: 'not a url', colour: 'red' },
        status: 400,
        problems: ['colour: unknown key', 'url: must be an absolute http(s) URL'],
      },
      {
        body: { name: 'a', url: `${target.url}/a`, concurrency: 'many' },
        status: 400,
        problems: ['concurrency: must be a positive integer'],
      },
      { body: { url: `${target.url}/a` }, status: 400 },
      { body: { name: 'filed', url: `${target.url}/x` }, status: 409 },
      { body: '{"name": "a", ', status: 400 },
      {
        body: JSON.stringify({ name: 'a', url: `${target.url}/a`, headers: { 'x-pad': 'x'.repeat(70_000) } }),
        status: 413,
      },
      {
        path: '/admin/routes',
        body: { name: 'r', from: ['app'], types: '*', to: ['nowhere'] },
        status: 400,
        problems: ["to: unknown endpoint 'nowhere'"],
      },
      {
        path: '/admin/routes',
        body: { name: 'file-route', from: ['app'], types: '*', to: ['filed'] },
        status: 409,
      },
      { path: '/admin/endpoints/filed', method: 'PATCH', body: { timeout: '1s' }, status: 409 },
      { path: '/admin/endpoints/filed', method: 'DELETE', body: undefined, status: 409 },
      { path: '/admin/endpoints/ghost', method: 'PATCH', body: { timeout: '1s' }, status: 404 },
    ];
    for (const c of cases) {
      const answer = await call(c.path ?? '/admin/endpoints', c.method ?? 'POST', c.body);
      expect({ case: c.body, status: answer.status }).toEqual({ case: c.body, status: c.status });
      expect(answer.json.error.code).toMatch(/^RELAY_ERR_/);
      if (c.problems) expect([...answer.json.error.problems].sort()).toEqual(c.problems);
    }
    const endpoints = await call('/admin/endpoints');
    expect(endpoints.json.endpoints.map((e: { name: string }) => e.name)).toEqual(['filed']);
    expect((await call('/admin/routes')).json.routes.map((r: { name: string }) => r.name)).toEqual([
      'file-route',
    ]);
    // Every refused change is in the audit log with its code.
    const outcomes = (await call('/admin/audit?limit=100')).json.entries.map(
      (e: { outcome: string }) => e.outcome,
    );
    expect(outcomes).toHaveLength(cases.length);
    expect(outcomes.every((o: string) => o.startsWith('RELAY_ERR_'))).toBe(true);
  });

  it('PATCH merges into an API object, PUT replaces it, and a refused PATCH keeps the old one', async () => {
    const { call, target } = await relayWithFileEndpoint();
    await call('/admin/endpoints', 'POST', { name: 'api1', url: `${target.url}/one`, timeout: '2s' });
    const patched = await call('/admin/endpoints/api1', 'PATCH', { concurrency: 3 });
    expect(patched.json).toMatchObject({ name: 'api1', origin: 'api' });
    const refused = await call('/admin/endpoints/api1', 'PATCH', { url: 'ftp://nope' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.problems).toEqual(['url: must be an absolute http(s) URL']);
    const config = (await call('/admin/config')).json.config;
    expect(config.endpoints.api1).toMatchObject({ url: `${target.url}/one`, timeout: 2000, concurrency: 3 });
    await call('/admin/endpoints/api1', 'PUT', { url: `${target.url}/two` });
    const replaced = (await call('/admin/config')).json.config.endpoints.api1;
    expect(replaced).toMatchObject({ url: `${target.url}/two`, timeout: 10_000, concurrency: 8 });
  });
});

describe('managed objects and the file', () => {
  it("refuses a reload whose file adds an object with an API object's name, keeping the running config", async () => {
    const { relay, call, target } = await relayWithFileEndpoint();
    await call('/admin/endpoints', 'POST', { name: 'shared', url: `${target.url}/api` });
    const colliding = testConfig(`
admin: { token: "${TOKEN}" }
sources: { app: { type: { field: type } } }
endpoints: { filed: { url: "${target.url}/filed" }, shared: { url: "${target.url}/file" } }
routes: [{ name: file-route, from: [app], types: "*", to: [filed] }]
`);
    expect(() => relay.reload(colliding)).toThrow(
      /endpoints\.shared: 'shared' is defined in the config file and through the admin API/,
    );
    const config = (await call('/admin/config')).json.config;
    expect(config.endpoints.shared.url).toBe(`${target.url}/api`);
    expect((await call('/admin/endpoints/shared')).json.origin).toBe('api');
  });
});

describe('roles', () => {
  it('each route refuses a token below its role with 403, and every route needs a token (401)', async () => {
    const target = await startTarget();
    const config = testConfig(`
admin:
  tokens:
    - { name: viewer, token: "t-read", role: read }
    - { name: oncall, token: "t-operate", role: operate }
    - { name: deployer, token: "t-admin", role: admin }
sources: { app: { type: { field: type } } }
endpoints: { hook: { url: "${target.url}/hook" } }
`);
    const relay = await startTestRelay(config);
    const { adminRoutes } = await import('../../src/admin/routes.ts');
    const below = { read: undefined, operate: 't-read', admin: 't-operate' } as const;
    for (const route of adminRoutes) {
      const path = `/admin/${route.path.replace('{name}', 'hook').replace('{id}', '1')}`;
      const body = route.method === 'GET' ? {} : { body: {} };
      const anonymous = await api(relay.adminUrl, path, { method: route.method, ...body });
      expect({ path, method: route.method, status: anonymous.status }).toMatchObject({ status: 401 });
      const token = below[route.role];
      if (token === undefined) continue;
      const refused = await api(relay.adminUrl, path, { method: route.method, ...body, token });
      expect({ path, method: route.method, status: refused.status }).toMatchObject({ status: 403 });
      // The webhooks API answers in SendBlue's shape; every other route in relay's.
      if (route.path === 'webhooks')
        expect(refused.json).toMatchObject({ status: 'ERROR', message: expect.stringMatching(/role/) });
      else expect(refused.json.error.code).toBe('RELAY_ERR_FORBIDDEN');
    }
    // The right role gets through to the route itself.
    const paused = await api(relay.adminUrl, '/admin/endpoints/hook/pause', {
      method: 'POST',
      body: {},
      token: 't-operate',
    });
    expect(paused.status).toBe(200);
    const audit = await api(relay.adminUrl, '/admin/audit', { token: 't-read' });
    expect(audit.json.entries[0]).toMatchObject({
      actor: 'oncall',
      action: 'endpoint.pause',
      target: 'hook',
      outcome: 'ok',
    });
    expect(audit.json.entries.some((e: { outcome: string }) => e.outcome === 'RELAY_ERR_FORBIDDEN')).toBe(
      true,
    );
  });

  it('admin.require_reason refuses a change without X-Relay-Reason and records the reason given', async () => {
    const { call, target } = await relayWithFileEndpoint(', require_reason: true');
    const bare = await call('/admin/endpoints', 'POST', { name: 'r1', url: `${target.url}/r1` });
    expect(bare.status).toBe(400);
    expect(bare.json.error.message).toMatch(/X-Relay-Reason/);
    const why = await call(
      '/admin/endpoints',
      'POST',
      { name: 'r1', url: `${target.url}/r1` },
      { 'x-relay-reason': 'ticket 42' },
    );
    expect(why.status).toBe(201);
    const [entry] = (await call('/admin/audit')).json.entries;
    expect(entry).toMatchObject({
      action: 'endpoint.create',
      target: 'r1',
      reason: 'ticket 42',
      outcome: 'ok',
    });
  });
});

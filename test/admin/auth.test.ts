import { describe, expect, it } from 'vitest';
import { startTestRelay, testConfig } from '../helpers/relay.ts';
import { api } from './api.ts';

const endpoints = `
endpoints:
  crm: { url: "http://127.0.0.1:9/crm" }
`;

describe('admin API access', () => {
  it('is open on a loopback listener without admin.token', async () => {
    const relay = await startTestRelay(testConfig(endpoints));
    const res = await api(relay.adminUrl, '/admin/endpoints');
    expect(res.status).toBe(200);
    expect(res.json.endpoints.map((e: { name: string }) => e.name)).toEqual(['crm']);
  });

  it('answers 401 without the bearer token or with a wrong one, and 200 with it', async () => {
    const relay = await startTestRelay(testConfig(`admin: { token: "tok-123456" }\n${endpoints}`));
    const missing = await api(relay.adminUrl, '/admin/endpoints');
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('RELAY_ERR_UNAUTHORIZED');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await api(relay.adminUrl, '/admin/endpoints', { token: 'tok-123457' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.message).toBe('wrong bearer token');
    const empty = await fetch(`${relay.adminUrl}/admin/endpoints`, { headers: { authorization: 'Basic x' } });
    expect(empty.status).toBe(401);
    expect((await api(relay.adminUrl, '/admin/endpoints', { token: 'tok-123456' })).status).toBe(200);
    // Unknown routes are checked after the token: nothing about the API leaks without it.
    expect((await api(relay.adminUrl, '/admin/nope')).status).toBe(401);
    expect((await api(relay.adminUrl, '/admin/nope', { token: 'tok-123456' })).status).toBe(404);
    // Scrapers and orchestrators need no token.
    expect((await fetch(`${relay.adminUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
  });

  it('turns /admin/* off (403) on a non-loopback address without a token, keeping /metrics and health up', async () => {
    const config = testConfig(`listen: { admin: "0.0.0.0:0" }\n${endpoints}`);
    const relay = await startTestRelay(config);
    const res = await api(relay.adminUrl, '/admin/endpoints');
    expect(res.status).toBe(403);
    expect(res.json.error).toEqual({
      code: 'RELAY_ERR_FORBIDDEN',
      message:
        'the admin API is off: the admin listener is not on a loopback address and admin.token is not set',
    });
    expect((await api(relay.adminUrl, '/admin/endpoints/crm/pause', { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${relay.adminUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${relay.adminUrl}/readyz`)).status).toBe(200);
  });

  it('opens /admin/* on a non-loopback address once a token is set', async () => {
    const config = testConfig(
      `listen: { admin: "0.0.0.0:0" }\nadmin: { token: "s3cret-admin" }\n${endpoints}`,
    );
    const relay = await startTestRelay(config);
    expect((await api(relay.adminUrl, '/admin/endpoints')).status).toBe(401);
    expect((await api(relay.adminUrl, '/admin/endpoints', { token: 's3cret-admin' })).status).toBe(200);
  });

  it('answers 405 for a known route with the wrong method and 404 for unknown names', async () => {
    const relay = await startTestRelay(testConfig(endpoints));
    const wrongMethod = await api(relay.adminUrl, '/admin/endpoints/crm/pause');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.code).toBe('RELAY_ERR_METHOD_NOT_ALLOWED');
    for (const path of [
      '/admin/endpoints/nope/pause',
      '/admin/endpoints/nope/test',
      '/admin/deliveries/999/retry',
    ]) {
      const res = await api(relay.adminUrl, path, { method: 'POST' });
      expect(res.status, path).toBe(404);
      expect(res.json.error.code).toBe('RELAY_ERR_NOT_FOUND');
    }
    expect((await api(relay.adminUrl, '/admin/events/evt_nope')).status).toBe(404);
    expect((await api(relay.adminUrl, '/admin/deliveries/abc')).status).toBe(404);
    const badJson = await fetch(`${relay.adminUrl}/admin/endpoints/crm/replay`, {
      method: 'POST',
      body: '{',
    });
    expect(badJson.status).toBe(400);
  });
});

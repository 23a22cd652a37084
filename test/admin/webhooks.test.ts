import { describe, expect, it } from 'vitest';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';
import { api } from './api.ts';

const TOKEN = 'webhooks-test-token';

async function setup(extra = '') {
  const target = await startTarget((r) => (r.path === '/gone' ? { status: 410 } : { status: 200 }));
  const relay = await startTestRelay(
    testConfig(`
admin: { token: "${TOKEN}" }
sources: { sendblue: { type: { field: status, map: { RECEIVED: receive } } } }
${extra}`),
  );
  const call = (method: string, body?: unknown, token = TOKEN) =>
    api(relay.adminUrl, '/admin/webhooks', { method, token, ...(body === undefined ? {} : { body }) });
  return { target, relay, call };
}

describe('the SendBlue-style webhooks API', () => {
  it('round-trips append, append, replace, delete and list in SendBlue shapes, secrets masked', async () => {
    const { target, call } = await setup();
    const a = `${target.url}/a`;
    const b = `${target.url}/b`;
    expect((await call('GET')).json).toEqual({ status: 'OK', webhooks: {} });
    expect((await call('POST', { webhooks: [a], type: 'receive' })).json).toEqual({
      status: 'OK',
      webhooks: { receive: [a] },
    });
    const second = await call('POST', {
      webhooks: [{ url: b, secret: 'own-secret-b' }],
      globalSecret: 'global-1',
    });
    expect(second.json).toEqual({
      status: 'OK',
      webhooks: { receive: [a, { url: b, secret: '***' }], globalSecret: '***' },
    });
    expect(second.text).not.toContain('own-secret-b');
    expect(second.text).not.toContain('global-1');
    const replaced = await call('PUT', { webhooks: { receive: [b], outbound: [a] } });
    expect(replaced.json).toEqual({
      status: 'OK',
      webhooks: { receive: [b], outbound: [a], globalSecret: '***' },
    });
    const deleted = await call('DELETE', { webhooks: [b], type: 'receive' });
    expect(deleted.json).toEqual({ status: 'OK', webhooks: { outbound: [a], globalSecret: '***' } });
    expect((await call('GET')).json).toEqual(deleted.json);
  });

  it('delivers each event type to its webhooks with the secret in the configured header', async () => {
    const { target, relay, call } = await setup();
    await call('POST', {
      webhooks: [{ url: `${target.url}/own`, secret: 's-own' }, `${target.url}/global`],
      globalSecret: 's-global',
    });
    const res = await ingest(
      `${relay.ingestUrl}/in/sendblue`,
      JSON.stringify({ status: 'RECEIVED', content: 'hi' }),
    );
    expect(res.status).toBe(200);
    const got = await target.waitFor(2);
    const byPath = Object.fromEntries(got.map((r) => [r.path, r.headers['sb-signing-secret']]));
    expect(byPath).toEqual({ '/own': 's-own', '/global': 's-global' });
  });

  it('refuses bad calls in SendBlue error shapes and leaves the old set intact', async () => {
    const { target, call } = await setup('delivery: { require_https: true }');
    const ok = `https://example.com/hook`;
    await call('POST', { webhooks: [ok] });
    const cases: [string, unknown, number, RegExp][] = [
      ['POST', {}, 400, /^Missing or invalid webhooks array$/],
      ['POST', { webhooks: 'x' }, 400, /^Missing or invalid webhooks array$/],
      ['POST', { webhooks: [`${target.url}/plain-http`] }, 400, /https/],
      ['POST', { webhooks: [`https://example.com/${'x'.repeat(2_100)}`] }, 400, /2048/],
      ['PUT', { webhooks: { receive: ['not a url'] } }, 400, /URL/],
      ['PUT', { webhooks: [ok] }, 400, /^Missing or invalid webhooks array$/],
    ];
    for (const [method, body, status, message] of cases) {
      const answer = await call(method, body);
      expect({ body, status: answer.status }).toEqual({ body, status });
      expect(answer.json.status).toBe('ERROR');
      expect(answer.json.message).toMatch(message);
    }
    expect((await call('GET')).json).toEqual({ status: 'OK', webhooks: { receive: [ok] } });
    expect((await call('GET', undefined, 'wrong')).json).toEqual({
      status: 'ERROR',
      message: 'Unauthorized',
    });
  });

  it('removes a webhook that answers 410 Gone, drops its pending deliveries and says so', async () => {
    const { target, relay, call } = await setup();
    const ops = await startTarget();
    const admin = (path: string, body: unknown) =>
      api(relay.adminUrl, path, { method: 'POST', token: TOKEN, body });
    // relay's own endpoint.removed event goes to a target of its own, which the test awaits.
    await admin('/admin/endpoints', { name: 'ops', url: `${ops.url}/ops` });
    await admin('/admin/routes', { name: 'ops', from: ['relay'], types: ['endpoint.removed'], to: ['ops'] });
    await call('POST', { webhooks: [`${target.url}/gone`, `${target.url}/stays`] });
    await ingest(`${relay.ingestUrl}/in/sendblue`, JSON.stringify({ status: 'RECEIVED' }));
    const [removed] = await ops.waitFor(1);
    expect(JSON.parse(removed!.body.toString())).toMatchObject({
      type: 'endpoint.removed',
      reason: 'answered 410 Gone',
      dropped_deliveries: 1, // the delivery that was answered 410, back to pending, then dropped
    });
    expect((await call('GET')).json).toEqual({
      status: 'OK',
      webhooks: { receive: [`${target.url}/stays`] },
    });
    const names = (await api(relay.adminUrl, '/admin/endpoints', { token: TOKEN })).json.endpoints.map(
      (e: { name: string }) => e.name,
    );
    expect(names).toHaveLength(2);
    expect(names).toContain('ops');
    const audit = await api(relay.adminUrl, '/admin/audit', { token: TOKEN });
    expect(audit.json.entries[0]).toMatchObject({ actor: 'relay', action: 'endpoint.remove', outcome: 'ok' });
  });
});

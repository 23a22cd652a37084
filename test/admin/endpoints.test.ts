import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { watchSettled } from '../helpers/settled.ts';
import { startTarget } from '../helpers/target.ts';
import { api, post } from './api.ts';

const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SECRETS = [
  'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'hdr-secret-value',
  'inbound-secret',
  'admin-tok-1',
  'qs-token-9',
];

function config(targetUrl: string) {
  return testConfig(`
admin: { token: "admin-tok-1" }
sources:
  app: { verify: { scheme: bearer, secret: "inbound-secret" }, type: { field: type } }
endpoints:
  crm:
    url: "${targetUrl}/crm?token=qs-token-9"
    signing: { scheme: standard-webhooks, secret: "${WHSEC}" }
    headers: { X-Api-Key: hdr-secret-value }
    retry: { schedule: [50ms], jitter: 0 }
  gone: { url: "${targetUrl}/gone", retry: { schedule: [50ms], jitter: 0 } }
routes:
  - { from: [app], to: [crm, gone] }
`);
}

const TOKEN = 'admin-tok-1';
const send = (ingestUrl: string, body: object) =>
  ingest(`${ingestUrl}/in/app`, JSON.stringify(body), {
    'content-type': 'application/json',
    authorization: 'Bearer inbound-secret',
  });

describe('admin endpoints', () => {
  it('lists state, circuit, queue depth and the last attempt, with no secret anywhere', async () => {
    const target = await startTarget((r) => (r.path.startsWith('/gone') ? { status: 500 } : { status: 200 }));
    const relay = await startTestRelay(config(target.url));
    const outcomes = watchSettled();
    await send(relay.ingestUrl, { type: 'a' });
    await target.waitFor(3); // crm once; gone: the first attempt and one retry, then dead
    await outcomes.next({ endpoint: 'crm', settlement: { kind: 'delivered' }, applied: true });
    await outcomes.next({ endpoint: 'gone', settlement: { kind: 'dead' }, applied: true });
    const list = await api(relay.adminUrl, '/admin/endpoints', { token: TOKEN });
    expect(list.status).toBe(200);
    const [crm, gone] = list.json.endpoints;
    expect(crm).toMatchObject({
      name: 'crm',
      url: `${target.url}/crm?token=***`,
      state: 'active',
      state_changed_at: null,
      circuit: 'closed',
      signing: 'standard-webhooks',
      pending: 0,
      in_flight: 0,
      dead: 0,
      oldest_pending_seconds: null,
      paused_until: null,
      last_attempt: { status: 200, error: null, duration_ms: expect.any(Number), at: expect.any(String) },
    });
    expect(gone).toMatchObject({ name: 'gone', signing: null, dead: 1, last_attempt: { status: 500 } });
    for (const secret of SECRETS) expect(list.text).not.toContain(secret);
    const one = await api(relay.adminUrl, '/admin/endpoints/crm', { token: TOKEN });
    expect(one.json).toEqual(crm);
  });

  it('pauses and resumes an endpoint: nothing is sent while paused, the backlog goes out on resume', async () => {
    const target = await startTarget();
    const relay = await startTestRelay(config(target.url));
    const paused = await post(relay.adminUrl, '/admin/endpoints/crm/pause', {}, TOKEN);
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ name: 'crm', state: 'paused', state_changed_at: expect.any(String) });
    await send(relay.ingestUrl, { type: 'a' });
    await target.waitFor(1, 5_000, (r) => r.path.startsWith('/gone'));
    const listed = await api(relay.adminUrl, '/admin/endpoints/crm', { token: TOKEN });
    expect(listed.json).toMatchObject({
      state: 'paused',
      pending: 1,
      oldest_pending_seconds: expect.any(Number),
    });
    expect(target.requests.filter((r) => r.path.startsWith('/crm'))).toHaveLength(0);
    const resumed = await post(relay.adminUrl, '/admin/endpoints/crm/resume', {}, TOKEN);
    expect(resumed.json.state).toBe('active');
    await target.waitFor(1, 5_000, (r) => r.path.startsWith('/crm'));
  });

  it('keeps a 410-disabled endpoint disabled on resume (409) and sends again after enable', async () => {
    let gone = true;
    const target = await startTarget((r) =>
      r.path.startsWith('/gone') && gone ? { status: 410 } : { status: 200 },
    );
    const relay = await startTestRelay(config(target.url));
    const outcomes = watchSettled();
    await send(relay.ingestUrl, { type: 'a' });
    await target.waitFor(1, 5_000, (r) => r.path.startsWith('/gone'));
    await outcomes.next({ endpoint: 'gone', settlement: { kind: 'gone' }, applied: true });
    const disabled = await api(relay.adminUrl, '/admin/endpoints/gone', { token: TOKEN });
    expect(disabled.json.state).toBe('disabled');
    const resume = await post(relay.adminUrl, '/admin/endpoints/gone/resume', {}, TOKEN);
    expect(resume.status).toBe(409);
    expect(resume.json.error.code).toBe('RELAY_ERR_CONFLICT');
    expect((await post(relay.adminUrl, '/admin/endpoints/gone/pause', {}, TOKEN)).status).toBe(409);
    gone = false;
    const enabled = await post(relay.adminUrl, '/admin/endpoints/gone/enable', {}, TOKEN);
    expect(enabled.json.state).toBe('active');
    await target.waitFor(2, 5_000, (r) => r.path.startsWith('/gone'));
  });
});

describe('admin test event', () => {
  it('sends a signed sample through the real path, not stored and not counted', async () => {
    const target = await startTarget(() => ({ status: 202, body: 'thanks' }));
    const relay = await startTestRelay(config(target.url));
    const res = await post(relay.adminUrl, '/admin/endpoints/crm/test', { type: 'message.received' }, TOKEN);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      endpoint: 'crm',
      type: 'message.received',
      ok: true,
      status: 202,
      response: 'thanks',
      error: null,
      duration_ms: expect.any(Number),
    });
    const [request] = await target.waitFor(1);
    expect(request!.path).toBe('/crm?token=qs-token-9');
    expect(request!.headers).toMatchObject({
      'x-relay-source': 'relay',
      'x-relay-type': 'message.received',
      'x-api-key': 'hdr-secret-value',
      'webhook-id': res.json.event_id,
    });
    const verified = new Webhook(WHSEC).verify(
      request!.body.toString(),
      request!.headers as Record<string, string>,
    );
    expect(verified).toMatchObject({ type: 'message.received', test: true });
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
    const events = await api(relay.adminUrl, '/admin/events', { token: TOKEN });
    expect(events.json.events).toEqual([]);
    const metrics = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/relay_events_received_total\{/);
    expect(metrics).not.toMatch(/relay_delivery_attempts_total\{/);
  });

  it('reports a failing answer and an unreachable target', async () => {
    const target = await startTarget(() => ({ status: 500, body: 'database down' }));
    const relay = await startTestRelay(config(target.url));
    const failed = await post(relay.adminUrl, '/admin/endpoints/gone/test', {}, TOKEN);
    expect(failed.json).toMatchObject({
      ok: false,
      status: 500,
      response: 'database down',
      type: 'relay.test',
    });
    await target.close();
    const unreachable = await post(relay.adminUrl, '/admin/endpoints/gone/test', {}, TOKEN);
    expect(unreachable.json).toMatchObject({ ok: false, status: null, error: 'ECONNREFUSED' });
  });

  it('sends the provider sample of a source routed to the endpoint, and times out a target that never answers', async () => {
    const target = await startTarget((r) => (r.path === '/slow' ? { hold: true } : { status: 200 }));
    const sample = '{"content":"Hello!","is_outbound":false,"status":"RECEIVED","message_handle":"sample-1"}';
    const relay = await startTestRelay(
      testConfig(`
sources:
  sendblue:
    type: { field: status, map: { RECEIVED: receive } }
    sample: { type: receive, body: '${sample}' }
endpoints:
  crm: { url: "${target.url}/crm" }
  slow: { url: "${target.url}/slow", timeout: 300ms }
routes:
  - { from: [sendblue], types: [receive], to: [crm, slow] }
`),
    );
    const res = await post(relay.adminUrl, '/admin/endpoints/crm/test', {});
    expect(res.json).toMatchObject({ ok: true, status: 200, type: 'receive' });
    const [received] = await target.waitFor(1);
    expect(received!.body.toString()).toBe(sample);
    expect(received!.headers).toMatchObject({ 'x-relay-source': 'sendblue', 'x-relay-type': 'receive' });
    const slow = await post(relay.adminUrl, '/admin/endpoints/slow/test', {});
    expect(slow.json).toMatchObject({ ok: false, status: null, error: 'timeout' });
  });
});

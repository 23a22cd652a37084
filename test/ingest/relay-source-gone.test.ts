import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { startTarget } from '../helpers/target.ts';

const OPS_SECRET = `whsec_${Buffer.from('ops-signing-key-0123456789abcdef').toString('base64')}`;

describe('operational events: a 410 Gone', () => {
  it('sends endpoint.disabled, signed, to the ops route when an endpoint answers 410, never to that endpoint', async () => {
    const target = await startTarget((r) => (r.path === '/gone' ? { status: 410 } : { status: 200 }));
    const relay = await startTestRelay(
      testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  gone: { url: "${target.url}/gone" }
  ops:
    url: "${target.url}/ops"
    signing: { scheme: standard-webhooks, secret: "${OPS_SECRET}" }
routes:
  - { from: [app], types: "*", to: [gone] }
  - { name: operations, from: [relay], types: "*", to: [ops, gone] }
`),
    );
    await post(`${relay.ingestUrl}/in/app`, '{"type":"message"}');
    const [notice] = await target.waitFor(1, 15_000, (r) => r.path === '/ops');
    const headers = notice!.headers as Record<string, string>;
    expect(headers['x-relay-source']).toBe('relay');
    expect(headers['x-relay-type']).toBe('endpoint.disabled');
    const payload = new Webhook(OPS_SECRET).verify(notice!.body.toString(), headers) as Record<
      string,
      unknown
    >;
    expect(payload).toMatchObject({ type: 'endpoint.disabled', endpoint: 'gone', reason: 'answered 410' });
    expect(target.requests.filter((r) => r.path === '/gone')).toHaveLength(1);
  });
});

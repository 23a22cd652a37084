import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/admin/routes.ts';
import { byBackend } from '../helpers/backend.ts';
import { post as ingest, startTestRelay, testConfig } from '../helpers/relay.ts';
import { readStream } from '../helpers/sse.ts';
import { startTarget } from '../helpers/target.ts';
import { type Answer, api } from './api.ts';

const TOKEN = 'openapi-test-token';
const READ_TOKEN = 'openapi-read-token';

interface Operation {
  responses: Record<string, { content: Record<string, { schema: object }> }>;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** JSON Pointer escaping, for a schema's place in the document. */
const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Which table route a request reaches, as the router matches it. */
function routeOf(method: string, pathname: string) {
  return adminRoutes.find((route) => {
    const source = route.path
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return route.method === method && new RegExp(`^/admin/${source}$`).test(pathname);
  });
}

async function documentedRelay() {
  const target = await startTarget();
  const relay = await startTestRelay(
    testConfig(`
admin:
  token: "${TOKEN}"
  tokens: [{ name: viewer, token: "${READ_TOKEN}", role: read }]
sources: { app: { type: { field: type }, sample: { type: order.paid, body: '{"type":"order.paid"}' } } }
endpoints: { hook: { url: "${target.url}/hook" } }
routes: [{ name: file-route, from: [app], types: "*", to: [hook] }]
`),
  );
  const doc = (await api<OpenApi>(relay.adminUrl, '/admin/openapi.json', { token: TOKEN })).json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under nodenext its default import is the module, whose `default` is the plugin.
  formats.default(ajv);
  // The whole document is one schema resource, so `$ref: '#/components/…'` resolves inside it.
  ajv.addSchema(doc, 'openapi');
  const covered = new Set<string>();

  /** Calls the route and checks the answer's status and body against the document's schema for them. */
  async function call(method: string, path: string, body?: unknown, token = TOKEN): Promise<Answer> {
    const answer = await api(relay.adminUrl, path, {
      method,
      token,
      ...(body === undefined ? {} : { body }),
    });
    const pathname = new URL(path, relay.adminUrl).pathname;
    const route = routeOf(method, pathname);
    expect(route, `${method} ${pathname} is a table route`).toBeDefined();
    const where = `${method} /admin/${route!.path} → ${answer.status}`;
    const response =
      doc.paths[`/admin/${route!.path}`]?.[method.toLowerCase()]?.responses[String(answer.status)];
    expect(response, `${where} is documented (${answer.text.slice(0, 200)})`).toBeDefined();
    const at = pointer(
      'paths',
      `/admin/${route!.path}`,
      method.toLowerCase(),
      'responses',
      String(answer.status),
      'content',
      'application/json',
      'schema',
    );
    const validate = ajv.getSchema(`openapi#/${at}`)!;
    const valid = validate(answer.json);
    expect({ where, errors: validate.errors ?? null, valid }).toMatchObject({ valid: true });
    covered.add(`${route!.method} ${route!.path}`);
    return answer;
  }
  return { relay, target, doc, call, covered, ajv };
}

describe('GET /admin/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with every table route, its role, parameters and errors', async () => {
    const { doc } = await documentedRelay();
    const result = await new Validator().validate(doc as never);
    expect(result).toEqual({ valid: true });
    const missing = adminRoutes.filter((route) => {
      const op = doc.paths[`/admin/${route.path}`]?.[route.method.toLowerCase()] as
        | (Operation & Record<string, unknown>)
        | undefined;
      return !op?.responses[String(route.status ?? 200)] || op['x-relay-role'] !== route.role;
    });
    expect(missing.map((route) => `${route.method} ${route.path}`)).toEqual([]);
    const replay = doc.paths['/admin/endpoints/{name}/replay']!.post as unknown as Record<string, unknown>;
    expect(replay).toMatchObject({
      parameters: [{ name: 'name', in: 'path', required: true }],
      requestBody: { content: { 'application/json': { schema: { additionalProperties: false } } } },
      responses: { '400': {}, '401': {}, '403': {}, '404': {}, '409': {} },
    });
    const webhookError = (doc.paths['/admin/webhooks']!.post as Operation).responses['400']!;
    expect(webhookError.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/SendBlueError',
    });
  });

  it("matches every route's real answers, status and body", async () => {
    const { relay, target, call, covered, ajv } = await documentedRelay();
    const hold = (name: string) => `/admin/endpoints/${name}`;

    await call('GET', '/admin/config');
    await call('GET', '/admin/endpoints');
    await call('POST', '/admin/endpoints', { name: 'api1', url: `${target.url}/api1`, timeout: '5s' });
    await call('GET', hold('api1'));
    await call('PUT', hold('api1'), { url: `${target.url}/api1b` });
    await call('PATCH', hold('api1'), { concurrency: 2, timeout: null });
    await call('POST', '/admin/routes', { name: 'r1', from: ['app'], types: ['order.paid'], to: ['api1'] });
    await call('GET', '/admin/routes');
    await call('GET', '/admin/routes/r1');
    await call('PUT', '/admin/routes/r1', { from: '*', to: ['api1'] });
    await call('PATCH', '/admin/routes/r1', { filter: { type: { prefix: 'order.' } } });

    const sent = await ingest(`${relay.ingestUrl}/in/app`, JSON.stringify({ type: 'order.paid' }));
    expect(sent.status).toBe(200);
    await target.waitFor(2);
    const events = await call('GET', '/admin/events?limit=1');
    const event = events.json.events[0];
    await call('GET', `/admin/events/${event.id}`);
    const delivery = event.deliveries[0].id;
    await call('GET', `/admin/deliveries/${delivery}`);
    await call('POST', `/admin/deliveries/${delivery}/retry`);

    for (const action of ['pause', 'resume', 'enable', 'test'])
      await call('POST', `${hold('hook')}/${action}`);
    await call('POST', `${hold('hook')}/test`, { type: 'order.paid' });
    await call('POST', `${hold('hook')}/replay`, { state: 'dead', since: '1h', dry_run: true, limit: 10 });
    await call('POST', `${hold('hook')}/backfill`, { since: '1h' });

    // A held backlog: an API endpoint, paused so its delivery stays pending, then deleted.
    for (const name of ['held1', 'held2']) {
      await call('POST', '/admin/endpoints', { name, url: `${target.url}/${name}` });
      await call('POST', `${hold(name)}/pause`);
      await call('POST', '/admin/routes', { name, from: ['app'], to: [name] });
      await ingest(`${relay.ingestUrl}/in/app`, JSON.stringify({ type: 'held' }));
      await call('DELETE', `/admin/routes/${name}`);
      expect((await call('DELETE', hold(name))).json).toEqual({ deleted: name, held_deliveries: 1 });
    }
    expect((await call('GET', '/admin/backlogs')).json.backlogs).toHaveLength(2);
    // Relays share a database only on PostgreSQL: there this one is the cluster's one member.
    expect((await call('GET', '/admin/cluster')).json.members).toHaveLength(
      byBackend({ sqlite: 0, postgres: 1 }),
    );
    expect((await call('GET', '/admin/whoami')).json).toEqual({ name: 'admin', role: 'admin' });
    await call('POST', '/admin/backlogs/held1/move', { to: 'hook' });
    await call('POST', '/admin/backlogs/held2/drop');

    const hook = `${target.url}/wh`;
    await call('GET', '/admin/webhooks');
    await call('POST', '/admin/webhooks', {
      webhooks: [hook, { url: `${hook}2`, secret: 's' }],
      globalSecret: 'g',
    });
    await call('PUT', '/admin/webhooks', { webhooks: { receive: [hook], outbound: [`${hook}3`] } });
    await call('DELETE', '/admin/webhooks', { webhooks: [hook], type: 'receive' });

    await call('DELETE', '/admin/routes/r1');
    await call('DELETE', hold('api1'));
    await call('GET', '/admin/audit?limit=5');
    await call('GET', '/admin/openapi.json');

    // Refusals answer in their documented shapes too.
    expect((await call('GET', hold('ghost'))).status).toBe(404);
    const bad = await call('POST', '/admin/endpoints', { name: 'x', url: 'nope', colour: 'red' });
    expect([...bad.json.error.problems].sort()).toEqual([
      'colour: unknown key',
      'url: must be an absolute http(s) URL',
    ]);
    expect(
      (await call('POST', `${hold('hook')}/replay`, { state: 'gone', limit: 0 })).json.error.problems,
    ).toEqual(['state: must be one of: dead, delivered', 'limit: must be a whole number from 1 to 1000000']);
    expect((await call('POST', '/admin/routes', { name: 'r2' }, READ_TOKEN)).status).toBe(403);
    expect((await call('GET', '/admin/endpoints', undefined, 'wrong')).status).toBe(401);
    expect((await call('POST', '/admin/webhooks', {})).json).toEqual({
      status: 'ERROR',
      message: 'Missing or invalid webhooks array',
    });

    // The stream: its first message's data matches the document's text/event-stream schema.
    const stream = await readStream(`${relay.adminUrl}/admin/stream`, TOKEN);
    await ingest(`${relay.ingestUrl}/in/app`, JSON.stringify({ type: 'streamed' }));
    const message = await stream.next((m) => m.event === 'event.received');
    const at = pointer(
      'paths',
      '/admin/stream',
      'get',
      'responses',
      '200',
      'content',
      'text/event-stream',
      'schema',
    );
    const validate = ajv.getSchema(`openapi#/${at}`)!;
    expect({ valid: validate(message.data), errors: validate.errors ?? null }).toMatchObject({ valid: true });
    stream.close();
    covered.add('GET stream');
    const untouched = adminRoutes.map((r) => `${r.method} ${r.path}`).filter((r) => !covered.has(r));
    expect(untouched).toEqual([]);
  });
});

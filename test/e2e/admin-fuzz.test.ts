import fc from 'fast-check';
import { Agent, type Dispatcher, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/admin/routes.ts';
import { relayErrorAnswer, sendBlueErrorAnswer } from '../../src/admin/schemas/common.ts';
import { spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { tempDir } from '../helpers/temp.ts';

const agent = new Agent({ connections: 4 });
afterAll(() => agent.close());

const TOKEN = 'fuzz-admin-token';

/** Names that exist (a file object, objects the run itself makes), and names that never do. */
const names = fc.oneof(
  fc.constantFrom(
    'sink',
    'file-route',
    'api1',
    'api2',
    'r1',
    'r2',
    'ghost',
    '%zz',
    '..',
    '-',
    'a'.repeat(300),
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

/** The table's management routes, so most requests reach a handler rather than a 405. */
const managed = adminRoutes.filter((route) =>
  /^(endpoints|routes|webhooks|audit)(\/\{name\})?$/.test(route.path),
);
const methods = fc.constantFrom<Dispatcher.HttpMethod>('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
const auditQuery = fc
  .dictionary(
    fc.constantFrom('limit', 'since', 'cursor'),
    fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('0', '501', '1e3', '2h', 'MQ', 'zzz')),
  )
  .map((query) => ({ method: 'GET' as const, path: `/admin/audit?${new URLSearchParams(query)}` }));
const requests = fc.oneof(
  auditQuery,
  fc
    .tuple(fc.constantFrom(...managed), names)
    .map(([route, name]) => ({ method: route.method, path: `/admin/${route.path.replace('{name}', name)}` })),
  fc
    .tuple(methods, fc.constantFrom(...managed), names)
    .map(([method, route, name]) => ({ method, path: `/admin/${route.path.replace('{name}', name)}` })),
);

/** Values that are close to valid as often as they are not. */
const values = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    'http://127.0.0.1:9/hook',
    'https://example.com/x',
    'ftp://x',
    'sink',
    'api1',
    ['sink'],
    ['api1', 'ghost'],
    '*',
    ['app'],
    '1s',
    '-1s',
    0,
    -1,
    2 ** 53,
    null,
    { scheme: 'standard-webhooks', secret: 'whsec_AAAA' },
    { scheme: 'hmac-sha256', header: 'x-sig', secret: 's' },
    { type: { prefix: 'a' } },
    { receive: ['https://example.com/a'], globalSecret: 'g' },
    ['https://example.com/a', { url: 'https://example.com/b', secret: 's' }],
    JSON.parse('{"__proto__": {"polluted": true}}'),
  ),
);

const keys = fc.constantFrom(
  'name',
  'url',
  'email',
  'timeout',
  'concurrency',
  'rate_limit',
  'retry',
  'signing',
  'headers',
  'success',
  'on_gone',
  'from',
  'types',
  'filter',
  'to',
  'webhooks',
  'type',
  'globalSecret',
  '__proto__',
  'constructor',
  'colour',
);

/** Bodies that are often valid: objects get made, changed and deleted, so later requests meet them. */
const plausible = fc.oneof(
  fc.record(
    {
      name: fc.constantFrom('api1', 'api2'),
      url: fc.constantFrom('http://127.0.0.1:9/a', 'https://example.com/b'),
      timeout: fc.constantFrom('1s', '2s'),
      on_gone: fc.constantFrom('disable', 'remove'),
    },
    { requiredKeys: ['url'] },
  ),
  fc.record(
    {
      name: fc.constantFrom('r1', 'r2'),
      from: fc.constantFrom(['app'], '*'),
      to: fc.constantFrom(['sink'], ['api1'], ['api2']),
      types: fc.constantFrom('*', ['a']),
    },
    { requiredKeys: ['from', 'to'] },
  ),
  fc.record(
    {
      webhooks: fc.constantFrom(
        ['https://example.com/w1'],
        [{ url: 'https://example.com/w2', secret: 's' }],
        {
          receive: ['https://example.com/w3'],
        },
      ),
      type: fc.constantFrom('receive', 'outbound'),
      globalSecret: fc.constant('g'),
    },
    { requiredKeys: ['webhooks'] },
  ),
);

const bodies = fc.oneof(
  plausible.map((o) => JSON.stringify(o)),
  fc.dictionary(keys, values, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)),
  fc.string({ maxLength: 200 }),
  fc.json().chain((j) => fc.nat(j.length).map((cut) => j.slice(0, cut))),
  fc.constant(''),
);

describe('bad input to the management API', () => {
  it('answers random changes to endpoints, routes, webhooks and audit with a 2xx or a documented 4xx', async () => {
    const dir = tempDir();
    const config = writeDaemonConfig(
      dir,
      `admin: { token: "${TOKEN}" }
sources: { app: { type: { field: type } } }
endpoints: { sink: { url: "http://127.0.0.1:9/sink" } }
routes: [{ name: file-route, from: [app], types: "*", to: [sink] }]
`,
    );
    const relay = await spawnRelay(['--config', config]);
    await fc.assert(
      fc.asyncProperty(requests, bodies, async ({ method, path }, body) => {
        const res = await request(`${relay.adminUrl}${path}`, {
          method,
          body: method === 'GET' ? undefined : body,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          dispatcher: agent,
        });
        const text = await res.body.text();
        const where = `${method} ${path} ${body.slice(0, 200)} → ${res.statusCode} ${text.slice(0, 300)}`;
        expect(res.statusCode, where).toBeGreaterThanOrEqual(200);
        expect(res.statusCode, where).toBeLessThan(500);
        expect(res.headers['content-type'], where).toBe('application/json');
        const answer: unknown = JSON.parse(text);
        if (res.statusCode < 300) return;
        const shape = path === '/admin/webhooks' ? sendBlueErrorAnswer : relayErrorAnswer;
        expect(shape.safeParse(answer).success, where).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(relay.child.exitCode).toBe(null);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
  });
});

import { connect } from 'node:net';
import fc from 'fast-check';
import { Agent, type Dispatcher, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { type RelayProcess, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { tempDir } from '../helpers/temp.ts';

const agent = new Agent({ connections: 8 });
afterAll(() => agent.close());

const SOURCES = ['open', 'header', 'body', 'standard', 'hmac', 'bearer', 'query', 'strict', 'nosuch'];

async function startFuzzTarget(): Promise<RelayProcess> {
  const dir = tempDir();
  const config = writeDaemonConfig(
    dir,
    `limits: { body: 256KiB }
sources:
  open: { type: { field: a.b.c, map: { x: y }, default: d }, id: { fields: [id, status] } }
  header: { verify: { header: x-secret, secret: s1 }, type: { header: x-type } }
  body: { verify: { body_field: secret, secret: s2 }, type: { from: path } }
  standard: { verify: { scheme: standard-webhooks, secret: "whsec_${Buffer.from('fuzz-key-0123456789').toString('base64')}" } }
  hmac: { verify: { scheme: hmac-sha256, header: x-sig, secret: s3 } }
  bearer: { verify: { scheme: bearer, secret: s4 } }
  query: { verify: { scheme: query, param: token, secret: s5 } }
  strict: { accept: [application/json], type: t }
endpoints:
  sink: { url: "http://127.0.0.1:9/sink" }
routes: [{ from: "*", types: "*", filter: { status: { in: [a, 1, true] } }, to: [sink] }]
`,
  );
  return spawnRelay(['--config', config]);
}

/**
 * Sends one request (no body for GET) and checks its answer: a 2xx, or an
 * error in the documented JSON shape.
 */
async function expectWellFormedAnswer(
  url: string,
  method: Dispatcher.HttpMethod,
  body: Buffer,
  headers: Record<string, string>,
): Promise<void> {
  const res = await request(url, {
    method,
    body: method === 'GET' ? undefined : body,
    headers,
    dispatcher: agent,
  });
  const text = await res.body.text();
  expect(res.statusCode).toBeGreaterThanOrEqual(200);
  expect(res.statusCode).toBeLessThan(600);
  if (res.statusCode >= 300) {
    expect(res.headers['content-type']).toBe('application/json');
    const parsed = JSON.parse(text) as { error: { code: string; message: string } };
    expect(parsed.error.code).toMatch(/^RELAY_ERR_[A-Z_]+$/);
    expect(typeof parsed.error.message).toBe('string');
  }
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/octet-stream',
  'application/vnd.custom+json',
  'multipart/form-data; boundary=x',
  '',
  ';;;',
);

const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
  fc.json().map((j) => Buffer.from(j)),
  fc.json().chain((j) => fc.nat(j.length).map((cut) => Buffer.from(j.slice(0, cut)))),
  fc.integer({ min: 1, max: 50_000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
  fc
    .integer({ min: 1, max: 50_000 })
    .map((depth) => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc
    .integer({ min: 1, max: 5_000 })
    .map((n) =>
      Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i])))),
    ),
  fc.constant(Buffer.from(`{"n": 1${'0'.repeat(5000)}, "s": "${'é'.repeat(20_000)}"}`)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(`secret=${encodeURIComponent(s)}&status=a&a=%zz`)),
);

const paths = fc.oneof(
  fc.constantFrom(...SOURCES).map((s) => `/in/${s}`),
  fc
    .tuple(fc.constantFrom(...SOURCES), fc.string({ maxLength: 40 }))
    .map(([s, t]) => `/in/${s}/${encodeURIComponent(t)}`),
  fc.constantFrom(
    '/in/open/%zz',
    '/in/%E0%A4%A',
    '/in//',
    '/in',
    '/',
    '/in/open/a/b',
    `/in/open/${'x'.repeat(8000)}`,
  ),
  fc.string({ maxLength: 60 }).map((s) => `/${encodeURIComponent(s)}`),
);

describe('bad input to ingest', () => {
  it('answers every random request with a 2xx or a JSON error, and stays up with bounded memory', async () => {
    const relay = await startFuzzTarget();
    const rss = async () => {
      const text = await (await fetch(`${relay.adminUrl}/metrics`)).text();
      return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
    };
    const before = await rss();
    await fc.assert(
      fc.asyncProperty(
        paths,
        contentTypes,
        bodies,
        fc.constantFrom('POST', 'PUT', 'GET', 'DELETE'),
        fc.dictionary(
          fc.constantFrom(
            'x-secret',
            'x-type',
            'x-sig',
            'authorization',
            'webhook-id',
            'webhook-timestamp',
            'webhook-signature',
          ),
          fc.string({ maxLength: 100 }).filter((v) => !/[\r\n\0]/.test(v) && v.trim() === v),
        ),
        async (path, contentType, body, method, headers) => {
          await expectWellFormedAnswer(`${relay.ingestUrl}${path}`, method, body, {
            ...headers,
            ...(contentType ? { 'content-type': contentType } : {}),
          });
        },
      ),
      { numRuns: 400 },
    );
    expect(relay.child.exitCode).toBe(null);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
    // Hundreds of requests of up to 256 KiB leave the process within a bounded footprint.
    expect(await rss()).toBeLessThan(before + 200 * 1024 * 1024);
  });

  it('answers malformed HTTP (oversized headers, duplicate headers, huge URLs) without crashing', async () => {
    const relay = await startFuzzTarget();
    const port = Number(new URL(relay.ingestUrl).port);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
        socket.end(text);
      });
    const oversized = await raw(
      `POST /in/open HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    );
    expect(oversized).toMatch(/^HTTP\/1\.1 431/);
    expect(oversized).toContain('{"error":{"code":"RELAY_ERR_BAD_REQUEST"');
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect(garbage).toContain('{"error":{"code":"RELAY_ERR_BAD_REQUEST"');
    const duplicate = await raw(
      'POST /in/header HTTP/1.1\r\nHost: x\r\nX-Secret: s1\r\nX-Secret: s1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    expect(duplicate).toMatch(/^HTTP\/1\.1 401/);
    const longUrl = await raw(
      `POST /in/open?${'q'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(longUrl).toMatch(/^HTTP\/1\.1 431/);
    expect(longUrl).toContain('"RELAY_ERR_BAD_REQUEST"');
    expect(relay.child.exitCode).toBe(null);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
  });

  it('answers every random admin request with a 2xx or a JSON error', async () => {
    const relay = await startFuzzTarget();
    const segments = fc.constantFrom(
      'endpoints',
      'events',
      'deliveries',
      'backlogs',
      'sink',
      'nosuch',
      'pause',
      'resume',
      'enable',
      'test',
      'replay',
      'backfill',
      'retry',
      'move',
      'drop',
      '1',
      '-1',
      '99999999999999999999',
      'evt_x',
      '%zz',
      '..',
      '',
    );
    const paths = fc.array(segments, { maxLength: 4 }).map((parts) => `/admin/${parts.join('/')}`);
    const queries = fc.dictionary(
      fc.constantFrom('limit', 'cursor', 'since', 'state', 'endpoint', 'source', 'type'),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom('-5', '0', '1e9', '2h', 'dead', 'zzz', '1970-01-01T00:00:00Z'),
      ),
    );
    const adminBodies = fc.oneof(
      fc.json().map((j) => Buffer.from(j)),
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      fc
        .record({
          state: fc.string(),
          since: fc.string(),
          limit: fc.anything(),
          dry_run: fc.anything(),
          to: fc.string(),
          type: fc.anything(),
        })
        .map((o) => Buffer.from(JSON.stringify(o))),
    );
    await fc.assert(
      fc.asyncProperty(
        paths,
        queries,
        adminBodies,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        async (path, query, body, method) => {
          const search = new URLSearchParams(query).toString();
          await expectWellFormedAnswer(
            `${relay.adminUrl}${path}${search ? `?${search}` : ''}`,
            method,
            body,
            {
              'content-type': 'application/json',
            },
          );
        },
      ),
      { numRuns: 300 },
    );
    expect(relay.child.exitCode).toBe(null);
    expect((await fetch(`${relay.adminUrl}/healthz`)).status).toBe(200);
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about the literal ${VAR} syntax
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { tempDir } from '../helpers/temp.ts';
import { defaultSections, defaultStorage } from './defaults.ts';

// Good configs: the defaults filled in and each written form normalized.
const parse = (text: string, env: Record<string, string> = {}, baseDir = '/etc/relay'): RelayConfig =>
  parseConfig(text, { env, baseDir });

describe('parseConfig: defaults', () => {
  it('accepts an empty mapping and fills in every default', () => {
    const config = parse('{}');
    expect(config).toEqual({
      ...defaultSections,
      storage: defaultStorage('/etc/relay/relay.db'),
      sources: {},
      endpoints: {},
      routes: [],
    });
  });

  it('lets every endpoint inherit the defaults block, retry key by key and headers merged', () => {
    const config = parse(`
defaults:
  timeout: 2s
  concurrency: 3
  retry: { schedule: [1s, 2s], max_age: 1h }
  signing: { scheme: hmac-sha256, header: X-Signature, secret: shared }
  headers: { X-Team: sms, X-Env: prod }
  success: [200, 202]
endpoints:
  plain:
    url: https://a.example.com/
  own:
    url: https://b.example.com/
    timeout: 1s
    retry: { jitter: 0 }
    signing: { scheme: header, header: X-Key, secret: own }
    headers: { x-team: billing }
    success: [204]
`);
    expect(config.endpoints.plain).toEqual({
      name: 'plain',
      url: 'https://a.example.com/',
      timeout: 2_000,
      concurrency: 3,
      rate_limit: undefined,
      retry: { schedule: [1_000, 2_000], jitter: 0.2, max_age: 3_600_000 },
      signing: { scheme: 'hmac-sha256', header: 'X-Signature', secrets: ['shared'] },
      headers: { 'X-Team': 'sms', 'X-Env': 'prod' },
      success: [200, 202],
      on_gone: 'disable',
      ordering: undefined,
    });
    expect(config.endpoints.own).toMatchObject({
      timeout: 1_000,
      concurrency: 3,
      retry: { schedule: [1_000, 2_000], jitter: 0, max_age: 3_600_000 },
      signing: { scheme: 'header', header: 'X-Key', secrets: ['own'] },
      headers: { 'X-Env': 'prod', 'x-team': 'billing' },
      success: [204],
    });
  });

  it('names unnamed routes route-<index> and defaults types to "*"', () => {
    const config = parse(`
endpoints: { a: { url: "https://a.example.com/" } }
routes:
  - { name: first, from: "*", to: [a] }
  - { from: [relay], to: [a] }
`);
    expect(config.routes.map((r) => [r.name, r.types])).toEqual([
      ['first', '*'],
      ['route-1', '*'],
    ]);
  });
});

describe('parseConfig: values', () => {
  it('substitutes ${VAR:-default} and treats an empty admin token as none', () => {
    const text = 'admin: { token: "${TOKEN:-}" }\nstorage: { path: "${DATA:-/var/lib/relay}/relay.db" }\n';
    expect(parse(text).admin.token).toBeUndefined();
    expect(parse(text).storage.path).toBe('/var/lib/relay/relay.db');
    expect(parse(text, { TOKEN: 't0k', DATA: '/data' })).toMatchObject({
      admin: { token: 't0k' },
      storage: { path: '/data/relay.db' },
    });
  });

  it('drops an empty entry from a secret list while rotating', () => {
    const text = 'sources:\n  app:\n    verify: { scheme: bearer, secret: ["${NEW}", "${OLD:-}"] }\n';
    expect(parse(text, { NEW: 'new' }).sources.app?.verify).toEqual({ scheme: 'bearer', secrets: ['new'] });
    expect(parse(text, { NEW: 'new', OLD: 'old' }).sources.app?.verify?.secrets).toEqual(['new', 'old']);
  });

  it('keeps a secret holding # and quotes intact', () => {
    const secret = `p#ss "word" 'x' # not a comment`;
    const config = parse('sources:\n  s:\n    verify: { header: X-Token, secret: "${S}" }\n', { S: secret });
    expect(config.sources.s?.verify).toEqual({ scheme: 'header', header: 'x-token', secrets: [secret] });
  });

  it('reads secret_file relative to the config, trimming the trailing newline', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'hook.secret'), 'from-file\n\n');
    const text =
      'sources:\n  s:\n    verify: { scheme: hmac-sha256, header: X-Sig, secret_file: hook.secret }\n';
    expect(parse(text, {}, dir).sources.s?.verify).toEqual({
      scheme: 'hmac-sha256',
      header: 'x-sig',
      secrets: ['from-file'],
    });
  });

  it('follows anchors, aliases and merge keys', () => {
    const config = parse(`
endpoints:
  a: &base { url: "https://a.example.com/", timeout: 1s, headers: { X-Team: sms } }
  b: { <<: *base, url: "https://b.example.com/" }
`);
    expect(config.endpoints.b).toMatchObject({
      url: 'https://b.example.com/',
      timeout: 1_000,
      headers: { 'X-Team': 'sms' },
    });
  });

  it('parses every address form, port 0 included', () => {
    const config = parse('listen: { ingest: ":0", admin: "[::1]:9090" }');
    expect(config.listen).toEqual({
      ingest: { host: '0.0.0.0', port: 0 },
      admin: { host: '::1', port: 9090 },
    });
  });

  it('normalizes type, id, response and filter forms', () => {
    const config = parse(`
sources:
  s:
    type: { header: X-Event-Type }
    id: { field: data.id }
    response: { body: "<ok/>", content_type: text/xml }
    accept: [Application/JSON]
  t:
    type: message.received
    id: { header: Idempotency-Key }
endpoints: { a: { url: "https://a.example.com/" } }
routes:
  - from: [s]
    filter: { a: 1, b: { in: [x, 2, null] }, c: { not: x }, d: { exists: true }, e.f: { prefix: "+1" } }
    to: [a]
`);
    expect(config.sources.s).toMatchObject({
      type: { kind: 'header', header: 'x-event-type' },
      id: { kind: 'fields', fields: ['data.id'] },
      response: { status: 200, body: '<ok/>', content_type: 'text/xml' },
      accept: ['application/json'],
    });
    expect(config.sources.t).toMatchObject({
      type: { kind: 'constant', value: 'message.received' },
      id: { kind: 'header', header: 'idempotency-key' },
    });
    expect(config.routes[0]?.filter).toEqual({
      a: { op: 'eq', value: 1 },
      b: { op: 'in', values: ['x', 2, null] },
      c: { op: 'not', value: 'x' },
      d: { op: 'exists', value: true },
      'e.f': { op: 'prefix', value: '+1' },
    });
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about the literal ${VAR} syntax
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { tempDir } from '../helpers/temp.ts';
import { defaultSections, defaultStorage } from './defaults.ts';
import { parse, problemsOf } from './problems.ts';

const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SCHEDULE = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 43_200_000,
];
const DEFAULT_RETRY = { schedule: SCHEDULE, jitter: 0.2, max_age: 259_200_000 };

describe('parseConfig: the full example', () => {
  const dir = join(import.meta.dirname, '../fixtures/config');
  const env = {
    SENDBLUE_SECRET: 'sb-secret',
    TEXTLINK_SECRET: 'tl-secret',
    MOBINITI_TOKEN: 'mobiniti-token',
    APP_WHSEC: WHSEC,
  };

  it('parses to the normalized values', () => {
    const base = tempDir();
    writeFileSync(join(base, 'crm_whsec'), `${WHSEC}\n`);
    const config = parseConfig(readFileSync(join(dir, 'full.yaml'), 'utf8'), { env, baseDir: base });
    expect(config).toEqual({
      ...defaultSections,
      storage: defaultStorage(join(base, 'relay.db')),
      sources: {
        sendblue: {
          name: 'sendblue',
          verify: { scheme: 'header', header: 'sb-signing-secret', secrets: ['sb-secret'] },
          type: {
            kind: 'field',
            field: 'status',
            map: { RECEIVED: 'receive', DELIVERED: 'outbound', SENT: 'outbound', ERROR: 'outbound' },
            default: undefined,
          },
          id: { kind: 'fields', fields: ['message_handle', 'status'] },
          response: undefined,
          accept: undefined,
        },
        textlink: {
          name: 'textlink',
          verify: { scheme: 'body_field', field: 'secret', secrets: ['tl-secret'] },
          type: { kind: 'path' },
          id: { kind: 'fields', fields: ['textlink_id', 'status'] },
          response: undefined,
          accept: undefined,
        },
        mobiniti: {
          name: 'mobiniti',
          verify: { scheme: 'query', param: 'token', secrets: ['mobiniti-token'] },
          type: { kind: 'path' },
          id: undefined,
          response: undefined,
          accept: undefined,
        },
        app: {
          name: 'app',
          verify: { scheme: 'standard-webhooks', secrets: [WHSEC] },
          type: { kind: 'field', field: 'type', map: {}, default: undefined },
          id: undefined,
          response: { status: 202, body: undefined, content_type: undefined },
          accept: undefined,
        },
      },
      endpoints: {
        crm: {
          name: 'crm',
          url: 'https://crm.example.com/hooks/sms',
          timeout: 10_000,
          concurrency: 4,
          rate_limit: { perSecond: 50 },
          retry: DEFAULT_RETRY,
          signing: { scheme: 'standard-webhooks', secrets: [WHSEC] },
          headers: { 'X-Team': 'sms' },
          success: undefined,
          on_gone: 'disable',
          ordering: undefined,
        },
        analytics: {
          name: 'analytics',
          url: 'http://127.0.0.1:8000/events',
          timeout: 3_000,
          concurrency: 8,
          rate_limit: undefined,
          retry: DEFAULT_RETRY,
          signing: undefined,
          headers: {},
          success: undefined,
          on_gone: 'disable',
          ordering: undefined,
        },
        ops: {
          name: 'ops',
          url: 'https://alerts.example.com/relay',
          timeout: 10_000,
          concurrency: 8,
          rate_limit: undefined,
          retry: DEFAULT_RETRY,
          signing: undefined,
          headers: {},
          success: undefined,
          on_gone: 'disable',
          ordering: undefined,
        },
      },
      routes: [
        {
          name: 'inbound',
          from: ['sendblue', 'textlink', 'mobiniti'],
          types: ['receive', 'received', 'inbound'],
          filter: { is_outbound: { op: 'eq', value: false } },
          to: ['crm', 'analytics'],
        },
        { name: 'operations', from: ['relay'], types: '*', filter: undefined, to: ['ops'] },
      ],
    });
  });

  it('is deeply frozen', () => {
    const base = tempDir();
    writeFileSync(join(base, 'crm_whsec'), WHSEC);
    const config = parseConfig(readFileSync(join(dir, 'full.yaml'), 'utf8'), { env, baseDir: base });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.endpoints.crm?.retry.schedule)).toBe(true);
    expect(Object.isFrozen(config.sources.sendblue?.verify)).toBe(true);
    expect(Object.isFrozen(config.routes[0]?.filter?.is_outbound)).toBe(true);
    expect(() => {
      (config.limits as { body: number }).body = 1;
    }).toThrow(TypeError);
  });
});

describe('problems', () => {
  it('never quote a secret', () => {
    const secrets = ['hunter2 is not base64!', 'x'.repeat(12)];
    const text = `
sources:
  app:
    verify: { scheme: standard-webhooks, secret: "${secrets[0]}" }
  b:
    verify: { header: "${secrets[1]}", secret: "${secrets[1]}" }
  c:
    verify: { scheme: bearer, secret: 12345678 }
`;
    const problems = problemsOf(() => parse(text));
    expect(problems.length).toBeGreaterThan(0);
    for (const secret of [...secrets, '12345678']) expect(problems.join('\n')).not.toContain(secret);
  });

  it('report a YAML syntax error with its line and column', () => {
    expect(problemsOf(() => parse('a: [1, 2\nb: 3'))).toEqual([
      'line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('refuse an empty file', () => {
    expect(problemsOf(() => parse(''))).toEqual(['config: must be a mapping']);
  });
});

describe('loadConfig', () => {
  it('reads the file and resolves paths against its folder', () => {
    const dir = tempDir();
    const file = join(dir, 'relay.yaml');
    writeFileSync(file, 'storage: { path: data/relay.db }\n');
    expect(loadConfig(file, {}).storage.path).toBe(join(dir, 'data/relay.db'));
  });

  it('reports a file it cannot read as one problem', () => {
    const file = join(tempDir(), 'missing.yaml');
    expect(problemsOf(() => loadConfig(file, {}))).toEqual([
      `config: cannot read ${file}: ENOENT: no such file or directory`,
    ]);
  });

  it('throws a ConfigError with the stable config code', () => {
    const dir = tempDir();
    const file = join(dir, 'relay.yaml');
    writeFileSync(file, 'nope: 1\n');
    expect(() => loadConfig(file, {})).toThrow(expect.objectContaining({ code: 'RELAY_ERR_CONFIG' }));
  });
});

describe('thresholds and per-key ordering', () => {
  const yaml = (storage: string) => `${storage}
sources: { mobiniti: { type: { from: path } } }
endpoints: { crm: { url: "http://127.0.0.1:9/crm", ordering: { key: phone_number } } }
routes: [{ name: bounces, from: [mobiniti], to: [crm], threshold: { key: phone_number, count: 3, within: 30d } }]
`;

  it.each([
    ['sqlite', 'storage: { path: ./relay.db }'],
    ['postgres', 'storage: { backend: postgres, url: "postgres://relay@127.0.0.1:5432/relay" }'],
  ])('load on %s', (_backend, storage) => {
    const config = parseConfig(yaml(storage), { env: {}, baseDir: tempDir() });
    expect(config.routes[0]?.threshold).toMatchObject({ key: 'phone_number', count: 3 });
    expect(config.endpoints.crm?.ordering).toBeDefined();
  });
});

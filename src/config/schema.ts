import { isIP } from 'node:net';
import { z } from 'zod';
import { toError } from '../errors.ts';
import { parseDuration, parseRate, parseSize } from './units.ts';

export interface Address {
  host: string;
  port: number;
}
export type Scalar = string | number | boolean | null;
export type FilterCondition =
  | { op: 'eq'; value: Scalar }
  | { op: 'in'; values: Scalar[] }
  | { op: 'not'; value: Scalar }
  | { op: 'exists'; value: boolean }
  | { op: 'prefix'; value: string };
export type VerifyConfig =
  | { scheme: 'header'; header: string; secrets: string[] }
  | { scheme: 'body_field'; field: string; secrets: string[] }
  | { scheme: 'standard-webhooks'; secrets: string[] }
  | { scheme: 'hmac-sha256'; header: string; secrets: string[] }
  | { scheme: 'bearer'; secrets: string[] }
  | { scheme: 'query'; param: string; secrets: string[] };
export type SigningConfig =
  | { scheme: 'standard-webhooks'; secrets: string[] }
  | { scheme: 'hmac-sha256'; header: string; secrets: string[] }
  | { scheme: 'header'; header: string; secrets: string[] }
  | { scheme: 'body_field'; field: string; secrets: string[] };
export type TypeRule =
  | { kind: 'path' }
  | { kind: 'field'; field: string; map: Record<string, string>; default: string | undefined }
  | { kind: 'header'; header: string }
  | { kind: 'constant'; value: string };
export type IdRule = { kind: 'fields'; fields: string[] } | { kind: 'header'; header: string };
export interface SourceConfig {
  name: string;
  verify: VerifyConfig | undefined;
  type: TypeRule;
  id: IdRule | undefined;
  response: { status: number; body: string | undefined; content_type: string | undefined } | undefined;
  accept: string[] | undefined;
  /** What the admin "test" button sends for this source: a typical payload of the provider. */
  sample: { type: string; body: string; content_type: string } | undefined;
}
export interface RetryConfig {
  schedule: number[];
  jitter: number;
  max_age: number;
}
export interface EndpointConfig {
  name: string;
  url: string;
  timeout: number;
  concurrency: number;
  rate_limit: { perSecond: number } | undefined;
  retry: RetryConfig;
  signing: SigningConfig | undefined;
  headers: Record<string, string>;
  success: number[] | undefined;
}
export interface RouteConfig {
  name: string;
  from: string[] | '*';
  types: string[] | '*';
  filter: Record<string, FilterCondition> | undefined;
  to: string[];
}
export interface RelayConfig {
  listen: { ingest: Address; admin: Address };
  storage: {
    backend: 'sqlite' | 'postgres';
    /** SQLite only (for postgres it keeps its default and means nothing). */
    path: string;
    /** PostgreSQL only: postgres://user:pass@host:port/db. */
    url: string | undefined;
    /** PostgreSQL only: connections this relay opens at most. */
    pool: number;
    durability: 'full' | 'normal';
    retention: number;
    dedup_window: number;
    /** Largest size the database may grow to (bytes); past it ingest answers 503. */
    max_size: number | undefined;
  };
  /** PostgreSQL only: how this relay shares the database with others. */
  cluster: {
    /** This relay's name among them; undefined: hostname-pid. */
    instance: string | undefined;
    /** An owner silent this long loses its endpoints to the others. */
    lease: number;
  };
  /**
   * `max_connections`: concurrent ingest connections, past which new ones are closed at once;
   * `header_timeout` / `request_timeout`: how long a client may take to send its headers / whole request.
   */
  limits: {
    body: number;
    max_pending: number;
    min_free_disk: number;
    max_connections: number;
    header_timeout: number;
    request_timeout: number;
  };
  admin: { token: string | undefined };
  delivery: {
    shutdown_grace: number;
    drain_delay: number;
    require_https: boolean;
    deny_private: boolean;
    /** Networks (CIDR) that `deny_private` still lets deliveries reach, e.g. an internal service subnet. */
    allow_networks: string[];
  };
  sources: Record<string, SourceConfig>;
  endpoints: Record<string, EndpointConfig>;
  routes: RouteConfig[];
}

/** One thing wrong with a config file, at a path into the YAML tree (keys and array indexes). */
export interface Problem {
  path: (string | number)[];
  reason: string;
}

/** What parsing needs from outside: load.ts reads `secret_file`s relative to the config file. */
export interface SchemaContext {
  /** The file's secret, trailing whitespace trimmed; throws with the problem's reason. */
  readSecretFile(file: string): string;
}

type Ctx = z.core.$RefinementCtx;
type PathSegment = Problem['path'][number];

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_PATH = /^[^.]+(\.[^.]+)*$/;
const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/;
const WHSEC = /^(?:whsec_)?[A-Za-z0-9+/]+={0,2}$/;
const DEFAULT_SCHEDULE = ['5s', '30s', '2m', '10m', '30m', '1h', '2h', '4h', '8h', '12h'];

// A schema-level message wins over the parse-wide map in load.ts; passing on a
// missing value lets that map say "required" instead.
const unlessMissing = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? undefined : message;

function parsedString<T>(parse: (s: string) => T, message: string) {
  return z.string({ error: unlessMissing(message) }).transform((s, ctx) => {
    try {
      return parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
  });
}

function parseAddress(s: string): Address {
  const match = ADDRESS.exec(s);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) throw new RangeError(`invalid address "${s}"`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function isHttpUrl(s: string): boolean {
  const url = URL.parse(s);
  return (url?.protocol === 'http:' || url?.protocol === 'https:') && url.hostname !== '';
}

const duration = parsedString(parseDuration, 'must be a duration like 500ms, 5s, 2m, 1h, 3d');
const positiveDuration = duration.refine((ms) => ms > 0, { error: 'must be longer than 0' });
const size = parsedString(parseSize, 'must be a size like 64KiB or 1MiB');
const rate = parsedString(parseRate, 'must be a rate like 50/s or 600/m');
const address = parsedString(parseAddress, 'must be host:port, like 0.0.0.0:8080 or [::1]:9090');
const POSITIVE = 'must be a positive integer';
const positiveInt = z.int({ error: unlessMissing(POSITIVE) }).min(1, { error: POSITIVE });
const STATUS = 'must be an HTTP status from 100 to 599';
const status = z
  .int({ error: unlessMissing(STATUS) })
  .min(100, { error: STATUS })
  .max(599, { error: STATUS });
const JITTER = 'must be a number from 0 up to (not including) 1';
const jitter = z
  .number({ error: unlessMissing(JITTER) })
  .min(0, { error: JITTER })
  .lt(1, { error: JITTER });
const text = z.string().min(1, { error: 'must not be empty' });

/** An IPv4 or IPv6 network as address/prefix: 10.0.0.0/8, fd00::/8, 127.0.0.1/32. */
const cidr = z.string().refine(
  (value) => {
    const [address = '', prefix, extra] = value.split('/');
    const family = isIP(address);
    const bits = Number(prefix);
    return (
      extra === undefined && family !== 0 && /^\d+$/.test(prefix ?? '') && bits <= (family === 4 ? 32 : 128)
    );
  },
  { error: 'must be a network like 10.0.0.0/8 or fd00::/8' },
);
const fieldPath = z.string().regex(FIELD_PATH, { error: 'must be a field path like data.status' });
const headerName = z.string().regex(HEADER_NAME, { error: 'must be an HTTP header name' });
const lowerHeader = headerName.transform((h) => h.toLowerCase());
const headers = z.record(
  headerName,
  z.string().refine((v) => !/[\r\n\0]/.test(v), { error: 'must not contain line breaks' }),
);
const statusList = z.array(status).min(1);
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: unlessMissing('must be a string, number, true, false or null'),
});
const names = (what: string) =>
  z.union([z.literal('*'), z.array(text).min(1)], {
    error: unlessMissing(`must be a list of ${what} or "*"`),
  });
const nameKey = z.string().regex(NAME, {
  error: 'names use letters, digits, _ and -, and start with a letter or digit',
});

const secretFields = {
  secret: z
    .union([z.string(), z.array(z.string())], {
      error: unlessMissing('must be a string or a list of strings'),
    })
    .optional(),
  secret_file: text.optional(),
};
type SecretInput = { secret?: string | string[] | undefined; secret_file?: string | undefined };

/**
 * The secrets of one verify or signing block, empties dropped (an unset
 * `${OLD:-}` in a rotation list is normal). Problem texts never quote a secret.
 */
function secretsOf(input: SecretInput, context: SchemaContext, ctx: Ctx, standard: boolean): string[] {
  const fail = (path: PathSegment[], message: string): string[] => {
    ctx.addIssue({ code: 'custom', path, message });
    return [];
  };
  if (input.secret !== undefined && input.secret_file !== undefined) {
    return fail([], 'give either secret or secret_file, not both');
  }
  let given: [PathSegment[], string][];
  if (input.secret_file !== undefined) {
    try {
      given = [[['secret_file'], context.readSecretFile(input.secret_file)]];
    } catch (err) {
      return fail(['secret_file'], toError(err).message);
    }
    if (given[0]?.[1] === '') return fail(['secret_file'], 'no secret given (the file is empty)');
  } else if (input.secret === undefined) {
    return fail(['secret'], 'required');
  } else {
    const list = typeof input.secret === 'string' ? [input.secret] : input.secret;
    given = list.map((s, i): [PathSegment[], string] => [
      typeof input.secret === 'string' ? ['secret'] : ['secret', i],
      s,
    ]);
    given = given.filter(([, s]) => s !== '');
    if (given.length === 0) return fail(['secret'], 'no secret given (all values are empty)');
  }
  if (standard) {
    for (const [path, s] of given) {
      const base64 = s.replace(/^whsec_/, '');
      if (!WHSEC.test(s) || base64.length % 4 !== 0) fail(path, 'must be whsec_ followed by base64');
    }
  }
  return given.map(([, s]) => s);
}

// `{ header: H, secret }` and `{ body_field: F, secret }` name their scheme by their key.
function impliedScheme(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || 'scheme' in input) return input;
  if ('header' in input) return { scheme: 'header', ...input };
  if ('body_field' in input) return { scheme: 'body_field', ...input };
  return input;
}

function verifySchema(context: SchemaContext) {
  const forms = z.discriminatedUnion('scheme', [
    z.strictObject({ scheme: z.literal('header').optional(), header: lowerHeader, ...secretFields }),
    z.strictObject({ scheme: z.literal('body_field').optional(), body_field: fieldPath, ...secretFields }),
    z.strictObject({ scheme: z.literal('standard-webhooks'), ...secretFields }),
    z.strictObject({ scheme: z.literal('hmac-sha256'), header: lowerHeader, ...secretFields }),
    z.strictObject({ scheme: z.literal('bearer'), ...secretFields }),
    z.strictObject({ scheme: z.literal('query'), param: text, ...secretFields }),
  ]);
  return z.preprocess(impliedScheme, forms).transform((v, ctx): VerifyConfig => {
    const secrets = secretsOf(v, context, ctx, v.scheme === 'standard-webhooks');
    if ('body_field' in v) return { scheme: 'body_field', field: v.body_field, secrets };
    if (v.scheme === 'hmac-sha256') return { scheme: v.scheme, header: v.header, secrets };
    if (v.scheme === 'query') return { scheme: v.scheme, param: v.param, secrets };
    if (v.scheme === 'standard-webhooks' || v.scheme === 'bearer') return { scheme: v.scheme, secrets };
    return { scheme: 'header', header: v.header, secrets };
  });
}

function signingSchema(context: SchemaContext) {
  const forms = z.discriminatedUnion('scheme', [
    z.strictObject({ scheme: z.literal('standard-webhooks'), ...secretFields }),
    z.strictObject({ scheme: z.literal('hmac-sha256'), header: headerName, ...secretFields }),
    z.strictObject({ scheme: z.literal('header'), header: headerName, ...secretFields }),
    z.strictObject({ scheme: z.literal('body_field'), field: fieldPath, ...secretFields }),
  ]);
  return forms.transform((v, ctx): SigningConfig => {
    const secrets = secretsOf(v, context, ctx, v.scheme === 'standard-webhooks');
    if (v.scheme === 'body_field') return { scheme: v.scheme, field: v.field, secrets };
    if (v.scheme === 'standard-webhooks') return { scheme: v.scheme, secrets };
    return { scheme: v.scheme, header: v.header, secrets };
  });
}

const typeRule = z.union(
  [
    text.transform((value): TypeRule => ({ kind: 'constant', value })),
    z
      .strictObject({
        from: z.literal('path').optional(),
        field: fieldPath.optional(),
        map: z.record(z.string(), z.string()).optional(),
        default: z.string().optional(),
        header: lowerHeader.optional(),
      })
      .transform((t, ctx): TypeRule => {
        if ([t.from, t.field, t.header].filter((v) => v !== undefined).length !== 1) {
          ctx.addIssue({ code: 'custom', message: 'needs exactly one of from, field, header' });
          return z.NEVER;
        }
        if (t.field !== undefined) {
          return { kind: 'field', field: t.field, map: t.map ?? {}, default: t.default };
        }
        for (const key of ['map', 'default'] as const) {
          if (t[key] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [key], message: 'only goes with field' });
          }
        }
        return t.header === undefined ? { kind: 'path' } : { kind: 'header', header: t.header };
      }),
  ],
  { error: 'must be a type name, { from: path }, { field: ... } or { header: ... }' },
);

const idRule = z
  .strictObject({
    field: fieldPath.optional(),
    fields: z.array(fieldPath).min(1).optional(),
    header: lowerHeader.optional(),
  })
  .transform((r, ctx): IdRule => {
    const given = [r.field, r.fields, r.header].filter((v) => v !== undefined).length;
    if (given === 1 && r.header !== undefined) return { kind: 'header', header: r.header };
    if (given === 1 && r.field !== undefined) return { kind: 'fields', fields: [r.field] };
    if (given === 1 && r.fields !== undefined) return { kind: 'fields', fields: r.fields };
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of field, fields, header' });
    return z.NEVER;
  });

const condition = z.union(
  [
    scalar.transform((value): FilterCondition => ({ op: 'eq', value })),
    z
      .strictObject({
        in: z.array(scalar).optional(),
        not: scalar.optional(),
        exists: z.boolean().optional(),
        prefix: z.string().optional(),
      })
      .transform((c, ctx): FilterCondition => {
        const ops = Object.keys(c).filter((k) => c[k as keyof typeof c] !== undefined);
        if (ops.length !== 1) {
          ctx.addIssue({ code: 'custom', message: 'needs exactly one of in, not, exists, prefix' });
        }
        if (c.in !== undefined) return { op: 'in', values: c.in };
        if (c.exists !== undefined) return { op: 'exists', value: c.exists };
        if (c.prefix !== undefined) return { op: 'prefix', value: c.prefix };
        return { op: 'not', value: c.not ?? null };
      }),
  ],
  { error: 'must be a value, { in: [...] }, { not: x }, { exists: true } or { prefix: "..." }' },
);

const sourceName = nameKey.refine((n) => n !== 'relay', {
  error: "the name relay is reserved for relay's own events",
});

function sourceSchema(context: SchemaContext) {
  return z.strictObject({
    verify: verifySchema(context).optional(),
    type: typeRule.optional(),
    id: idRule.optional(),
    response: z
      .strictObject({
        status: status.prefault(200),
        body: z.string().optional(),
        content_type: text.optional(),
      })
      .transform((r) => ({ status: r.status, body: r.body, content_type: r.content_type }))
      .optional(),
    accept: z
      .array(text.transform((t) => t.toLowerCase()))
      .min(1)
      .optional(),
    sample: z
      .strictObject({ type: text, body: z.string(), content_type: text.prefault('application/json') })
      .optional(),
  });
}

const retryFields = { schedule: z.array(duration), jitter, max_age: positiveDuration };

function endpointSchema(context: SchemaContext) {
  return z.strictObject({
    url: z.string().refine(isHttpUrl, { error: 'must be an absolute http(s) URL' }),
    timeout: positiveDuration.optional(),
    concurrency: positiveInt.optional(),
    rate_limit: rate.optional(),
    retry: z.strictObject(retryFields).partial().optional(),
    signing: signingSchema(context).optional(),
    headers: headers.optional(),
    success: statusList.optional(),
  });
}

function defaultsSchema(context: SchemaContext) {
  return z
    .strictObject({
      timeout: positiveDuration.prefault('10s'),
      concurrency: positiveInt.prefault(8),
      retry: z
        .strictObject({
          schedule: retryFields.schedule.prefault(DEFAULT_SCHEDULE),
          jitter: retryFields.jitter.prefault(0.2),
          max_age: retryFields.max_age.prefault('3d'),
        })
        .prefault({}),
      signing: signingSchema(context).optional(),
      headers: headers.optional(),
      success: statusList.optional(),
    })
    .prefault({});
}

const route = z.strictObject({
  name: text.optional(),
  from: names('source names'),
  types: names('event types').prefault('*'),
  filter: z.record(fieldPath, condition).optional(),
  to: z.array(text).min(1),
});

/** Endpoint headers win over `defaults.headers`, whatever the case of either name. */
function mergeHeaders(base: Record<string, string> = {}, own: Record<string, string> = {}) {
  const ownNames = new Set(Object.keys(own).map((h) => h.toLowerCase()));
  const inherited = Object.entries(base).filter(([h]) => !ownNames.has(h.toLowerCase()));
  return { ...Object.fromEntries(inherited), ...own };
}

const mapValues = <T, U>(record: Record<string, T>, fn: (name: string, value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, fn(name, value)]));

const SQLITE_ONLY = 'only for storage.backend: sqlite';
const POSTGRES_URL = 'must be a postgres:// or postgresql:// URL, like postgres://user:pass@host:5432/db';

/**
 * Each backend's keys, and no other's: a key the chosen backend would ignore
 * is refused, so a config never says something relay does not do. SQLite's
 * keys are optional in the input so that a written one can be told from a
 * default; `cluster` with SQLite is refused in load.ts (another section).
 */
const storageSection = z
  .strictObject({
    backend: z.enum(['sqlite', 'postgres']).prefault('sqlite'),
    path: text.optional(),
    url: text
      .refine((s) => ['postgres:', 'postgresql:'].includes(URL.parse(s)?.protocol ?? ''), {
        error: POSTGRES_URL,
      })
      .optional(),
    pool: positiveInt.optional(),
    durability: z.enum(['full', 'normal']).optional(),
    retention: positiveDuration.prefault('7d'),
    dedup_window: duration.prefault('24h'),
    max_size: size.refine((n) => n > 0, { error: 'must be larger than 0' }).optional(),
  })
  .prefault({})
  .superRefine((s, ctx) => {
    const problem = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    if (s.backend === 'postgres') {
      if (s.url === undefined) problem('url', 'required when storage.backend is postgres');
      for (const key of ['path', 'durability', 'max_size'] as const) {
        if (s[key] !== undefined) problem(key, SQLITE_ONLY);
      }
    } else {
      for (const key of ['url', 'pool'] as const) {
        if (s[key] !== undefined) problem(key, 'only for storage.backend: postgres');
      }
    }
  })
  .transform((s): RelayConfig['storage'] => ({
    backend: s.backend,
    path: s.path ?? './relay.db',
    url: s.url,
    pool: s.pool ?? 10,
    durability: s.durability ?? 'full',
    retention: s.retention,
    dedup_window: s.dedup_window,
    max_size: s.max_size,
  }));

const clusterSection = z
  .strictObject({
    instance: z.string().optional(),
    lease: positiveDuration.prefault('15s'),
  })
  .prefault({});

/**
 * The whole file: unknown keys refused everywhere, every default filled in,
 * endpoints merged with `defaults`. Cross-references between sections are
 * checked separately (load.ts), so they are reported even when this fails;
 * load.ts also resolves `storage.path`, kept here as written.
 */
export function configSchema(context: SchemaContext) {
  return z
    .strictObject({
      listen: z
        .strictObject({ ingest: address.prefault('0.0.0.0:8080'), admin: address.prefault('127.0.0.1:9090') })
        .prefault({}),
      storage: storageSection,
      cluster: clusterSection,
      limits: z
        .strictObject({
          body: size.refine((n) => n > 0, { error: 'must be larger than 0' }).prefault('1MiB'),
          max_pending: positiveInt.prefault(1_000_000),
          min_free_disk: size.prefault('256MiB'),
          max_connections: positiveInt.prefault(1024),
          header_timeout: positiveDuration.prefault('10s'),
          request_timeout: positiveDuration.prefault('30s'),
        })
        .prefault({}),
      admin: z.strictObject({ token: z.string().optional() }).prefault({}),
      delivery: z
        .strictObject({
          shutdown_grace: duration.prefault('10s'),
          drain_delay: duration.prefault('0s'),
          require_https: z.boolean().prefault(false),
          deny_private: z.boolean().prefault(false),
          allow_networks: z.array(cidr).prefault([]),
        })
        .prefault({}),
      defaults: defaultsSchema(context),
      sources: z.record(sourceName, sourceSchema(context)).prefault({}),
      endpoints: z.record(nameKey, endpointSchema(context)).prefault({}),
      routes: z.array(route).prefault([]),
    })
    .transform(
      (c): RelayConfig => ({
        listen: c.listen,
        storage: c.storage,
        cluster: { instance: c.cluster.instance || undefined, lease: c.cluster.lease },
        limits: c.limits,
        admin: { token: c.admin.token || undefined },
        delivery: c.delivery,
        sources: mapValues(c.sources, (name, s) => ({
          name,
          verify: s.verify,
          type: s.type ?? { kind: 'path' },
          id: s.id,
          response: s.response,
          accept: s.accept,
          sample: s.sample,
        })),
        endpoints: mapValues(c.endpoints, (name, e) => ({
          name,
          url: e.url,
          timeout: e.timeout ?? c.defaults.timeout,
          concurrency: e.concurrency ?? c.defaults.concurrency,
          rate_limit: e.rate_limit,
          retry: {
            schedule: e.retry?.schedule ?? c.defaults.retry.schedule,
            jitter: e.retry?.jitter ?? c.defaults.retry.jitter,
            max_age: e.retry?.max_age ?? c.defaults.retry.max_age,
          },
          signing: e.signing ?? c.defaults.signing,
          headers: mergeHeaders(c.defaults.headers, e.headers),
          success: e.success ?? c.defaults.success,
        })),
        routes: c.routes.map((r, i) => ({ ...r, name: r.name ?? `route-${i}`, filter: r.filter })),
      }),
    );
}

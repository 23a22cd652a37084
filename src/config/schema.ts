import { z } from 'zod';
import { emailSchema, mailtoUrl } from './email.ts';
import {
  address,
  cidr,
  DEFAULT_SCHEDULE,
  duration,
  fieldPath,
  headers,
  isHttpUrl,
  jitter,
  lowerHeader,
  nameKey,
  names,
  positiveDuration,
  positiveInt,
  rate,
  scalar,
  size,
  status,
  statusList,
  text,
  unlessMissing,
} from './fields.ts';
import { expandPreset } from './presets/expand.ts';
import { PRESET_NAMES } from './presets/index.ts';
import { secretFields, signingSchema, verifySchema } from './secrets.ts';
import type {
  FieldTypeRule,
  FilterCondition,
  IdRule,
  KeyRule,
  RelayConfig,
  SchemaContext,
  TypeRule,
} from './types.ts';
import { adminRoles } from './types.ts';

/** The parsed config's types live in types.ts; they are re-exported here, where the schema that produces them is. */
export type * from './types.ts';

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
        const pathThenField = t.from !== undefined && t.field !== undefined && t.header === undefined;
        if ([t.from, t.field, t.header].filter((v) => v !== undefined).length !== 1 && !pathThenField) {
          ctx.addIssue({ code: 'custom', message: 'needs exactly one of from, field, header' });
          return z.NEVER;
        }
        if (t.field !== undefined) {
          const field: FieldTypeRule = {
            kind: 'field',
            field: t.field,
            map: t.map ?? {},
            default: t.default,
          };
          return pathThenField ? { kind: 'path', fallback: field } : field;
        }
        for (const key of ['map', 'default'] as const) {
          if (t[key] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [key], message: 'only goes with field' });
          }
        }
        return t.header === undefined
          ? { kind: 'path', fallback: undefined }
          : { kind: 'header', header: t.header };
      }),
  ],
  { error: 'must be a type name, { from: path }, { field: ... } or { header: ... }' },
);

const keyFields = {
  field: fieldPath.optional(),
  fields: z.array(fieldPath).min(1).optional(),
  header: lowerHeader.optional(),
};

function keyRule(r: { field?: string; fields?: string[]; header?: string }): KeyRule | undefined {
  const given = [r.field, r.fields, r.header].filter((v) => v !== undefined).length;
  if (given === 1 && r.header !== undefined) return { kind: 'header', header: r.header };
  if (given === 1 && r.field !== undefined) return { kind: 'fields', fields: [r.field] };
  if (given === 1 && r.fields !== undefined) return { kind: 'fields', fields: r.fields };
  return undefined;
}

const typeKeyRule = z.strictObject(keyFields).transform((r, ctx): KeyRule => {
  const rule = keyRule(r);
  if (rule) return rule;
  ctx.addIssue({ code: 'custom', message: 'needs exactly one of field, fields, header' });
  return z.NEVER;
});

/** `ordering: { key: message_handle }` (a field path) or `{ header: X-Key }`. */
const ordering = z
  .strictObject({ key: fieldPath.optional(), header: lowerHeader.optional() })
  .transform((r, ctx): KeyRule => {
    const rule = keyRule({
      ...(r.key === undefined ? {} : { field: r.key }),
      ...(r.header === undefined ? {} : { header: r.header }),
    });
    if (rule) return rule;
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of key, header' });
    return z.NEVER;
  });

const idRule = z
  .strictObject({ ...keyFields, by_type: z.record(text, typeKeyRule).optional() })
  .transform((r, ctx): IdRule => {
    const { by_type, ...plain } = r;
    const plainGiven = Object.values(plain).some((v) => v !== undefined);
    if (by_type !== undefined && !plainGiven) return { kind: 'by_type', rules: by_type };
    const rule = by_type === undefined ? keyRule(plain) : undefined;
    if (rule) return rule;
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of field, fields, header, by_type' });
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

const sample = z.strictObject({
  type: text,
  body: z.string(),
  content_type: text.prefault('application/json'),
});

/**
 * A source as written; a `preset` is expanded first, so what follows checks
 * the preset's keys like any others. `secret` is the provider's secret the
 * preset puts into its `verify`; left over, it would be silently unused.
 */
function sourceSchema(context: SchemaContext) {
  const source = z.strictObject({
    preset: z.enum(PRESET_NAMES).optional(),
    ...secretFields,
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
      .union([sample.transform((one) => [one]), z.array(sample).min(1)], {
        error: unlessMissing('must be a { type, body } mapping or a list of them'),
      })
      .optional(),
  });
  return z.preprocess(
    expandPreset,
    source.superRefine((s, ctx) => {
      for (const key of ['secret', 'secret_file'] as const) {
        if (s[key] === undefined) continue;
        const message = s.preset
          ? 'not used: verify is written out, so the secret goes inside it'
          : 'only goes with preset';
        ctx.addIssue({ code: 'custom', path: [key], message });
      }
    }),
  );
}

const retryFields = { schedule: z.array(duration), jitter, max_age: positiveDuration };

/** Keys that shape an HTTP request, meaningless for a mail. */
const HTTP_ONLY = ['signing', 'headers', 'success'] as const;

/** A webhook (`url`) or an e-mail endpoint (`email`): one of the two. */
function endpointSchema(context: SchemaContext) {
  return z
    .strictObject({
      url: z.string().refine(isHttpUrl, { error: 'must be an absolute http(s) URL' }).optional(),
      email: emailSchema(context).optional(),
      timeout: positiveDuration.optional(),
      concurrency: positiveInt.optional(),
      rate_limit: rate.optional(),
      retry: z.strictObject(retryFields).partial().optional(),
      signing: signingSchema(context).optional(),
      headers: headers.optional(),
      success: statusList.optional(),
      on_gone: z.enum(['disable', 'remove']).optional(),
      ordering: ordering.optional(),
    })
    .superRefine((e, ctx) => {
      if (e.url === undefined && e.email === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'required (or email, for an e-mail endpoint)',
        });
      }
      if (e.email === undefined) return;
      if (e.url !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['email'], message: 'give either url or email, not both' });
      }
      for (const key of HTTP_ONLY) {
        if (e[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'does not apply to an e-mail endpoint' });
        }
      }
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

const threshold = z.strictObject({
  key: fieldPath,
  count: positiveInt,
  within: positiveDuration,
  once: z.boolean().prefault(false),
});

const route = z.strictObject({
  name: text.optional(),
  from: names('source names'),
  types: names('event types').prefault('*'),
  filter: z.record(fieldPath, condition).optional(),
  to: z.array(text).min(1),
  threshold: threshold.optional(),
});

/** Token names identify who made a change in the audit log: each names one token. */
function uniqueTokenNames(tokens: { name: string }[], ctx: z.core.$RefinementCtx): void {
  const seen = new Set<string>();
  tokens.forEach((token, i) => {
    if (seen.has(token.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate token name '${token.name}'` });
    seen.add(token.name);
  });
}

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
      admin: z
        .strictObject({
          token: z.string().optional(),
          tokens: z
            .array(
              z.strictObject({
                name: nameKey,
                token: text,
                role: z.enum(adminRoles),
              }),
            )
            .superRefine(uniqueTokenNames)
            .prefault([]),
          require_reason: z.boolean().prefault(false),
          webhooks: z.strictObject({ secret_header: lowerHeader.prefault('sb-signing-secret') }).prefault({}),
        })
        .prefault({}),
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
    .superRefine((c, ctx) => {
      // STARTTLS only when offered can be stripped by anyone on the path: not "https" for a mail.
      if (!c.delivery.require_https) return;
      for (const [name, e] of Object.entries(c.endpoints)) {
        if (e.email?.tls === 'when_offered' && e.email.smtp.startsWith('smtp:')) {
          ctx.addIssue({
            code: 'custom',
            path: ['endpoints', name, 'email', 'tls'],
            message: 'must be required, or smtp an smtps:// URL (delivery.require_https is on)',
          });
        }
      }
    })
    .transform(
      (c): RelayConfig => ({
        listen: c.listen,
        storage: c.storage,
        cluster: { instance: c.cluster.instance || undefined, lease: c.cluster.lease },
        limits: c.limits,
        admin: {
          token: c.admin.token || undefined,
          tokens: c.admin.tokens,
          require_reason: c.admin.require_reason,
          webhooks: c.admin.webhooks,
        },
        delivery: c.delivery,
        sources: mapValues(c.sources, (name, s) => ({
          name,
          preset: s.preset,
          verify: s.verify,
          type: s.type ?? { kind: 'path', fallback: undefined },
          id: s.id,
          response: s.response,
          accept: s.accept,
          samples: s.sample,
        })),
        endpoints: mapValues(c.endpoints, (name, e) => ({
          name,
          url: e.email ? mailtoUrl(e.email) : (e.url ?? ''),
          email: e.email,
          timeout: e.timeout ?? c.defaults.timeout,
          concurrency: e.concurrency ?? c.defaults.concurrency,
          rate_limit: e.rate_limit,
          retry: {
            schedule: e.retry?.schedule ?? c.defaults.retry.schedule,
            jitter: e.retry?.jitter ?? c.defaults.retry.jitter,
            max_age: e.retry?.max_age ?? c.defaults.retry.max_age,
          },
          // An e-mail endpoint inherits none of the HTTP-only defaults.
          signing: e.email ? undefined : (e.signing ?? c.defaults.signing),
          headers: e.email ? {} : mergeHeaders(c.defaults.headers, e.headers),
          success: e.email ? undefined : (e.success ?? c.defaults.success),
          on_gone: e.on_gone ?? 'disable',
          ordering: e.ordering,
        })),
        routes: c.routes.map((r, i) => ({
          ...r,
          name: r.name ?? `route-${i}`,
          filter: r.filter,
          threshold: r.threshold,
        })),
      }),
    );
}

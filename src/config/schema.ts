import { z } from 'zod';
import { adminSection } from './admin.ts';
import { mailtoUrl } from './email.ts';
import { defaultsSchema, endpointSchema, mergeHeaders } from './endpoint.ts';
import { address, cidr, duration, nameKey, positiveDuration, positiveInt, size } from './fields.ts';
import { route } from './route.ts';
import { sourceName, sourceSchema } from './source.ts';
import { clusterSection, storageSection } from './storage.ts';
import type { RelayConfig, SchemaContext } from './types.ts';

/** The parsed config's types live in types.ts; they are re-exported here, where the schema that produces them is. */
export type * from './types.ts';

const mapValues = <T, U>(record: Record<string, T>, fn: (name: string, value: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, fn(name, value)]));

/**
 * The whole file: unknown keys refused everywhere, every default filled in,
 * endpoints merged with `defaults`. Cross-references between sections are
 * checked separately (cross-check.ts), so they are reported even when this fails;
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
      admin: adminSection,
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

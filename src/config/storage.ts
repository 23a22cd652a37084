import { z } from 'zod';
import { duration, positiveDuration, positiveInt, size, text } from './fields.ts';
import type { RelayConfig } from './types.ts';

const SQLITE_ONLY = 'only for storage.backend: sqlite';
const POSTGRES_URL = 'must be a postgres:// or postgresql:// URL, like postgres://user:pass@host:5432/db';

/**
 * Each backend's keys, and no other's: a key the chosen backend would ignore
 * is refused, so a config never says something relay does not do. SQLite's
 * keys are optional in the input so that a written one can be told from a
 * default; `cluster` with SQLite is refused in cross-check.ts (another section).
 */
export const storageSection = z
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

export const clusterSection = z
  .strictObject({
    instance: z.string().optional(),
    lease: positiveDuration.prefault('15s'),
  })
  .prefault({});

import { z } from 'zod';
import { isoTime } from './common.ts';

/** The running config's identity: what /readyz and GET /admin/config both show. */
export const configIdentity = z.object({ fingerprint: z.string(), loaded_at: isoTime });

export const configAnswer = z.object({
  ...configIdentity.shape,
  /** The running config as relay holds it: defaults filled in, durations in ms, sizes in bytes, secrets `"***"`. */
  config: z.record(z.string(), z.unknown()),
});

/** `GET /admin/openapi.json`: an OpenAPI 3.1 document (validated as one by the tests). */
export const openApiAnswer = z.looseObject({
  openapi: z.literal('3.1.1'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

import type { z } from 'zod';
import { maskedConfig } from '../config/mask.ts';
import type { RunningConfig } from '../config/running.ts';
import type { AdminContext } from './context.ts';
import type { configAnswer, configIdentity as identity } from './schemas/config.ts';

/** Which config is live: what /readyz and GET /admin/config both show. */
export function configIdentity(running: RunningConfig): z.infer<typeof identity> {
  return { fingerprint: running.fingerprint, loaded_at: new Date(running.loadedAt).toISOString() };
}

/**
 * GET /admin/config: the running config as relay holds it (defaults filled
 * in, durations in milliseconds, sizes in bytes), secrets masked.
 */
export function showConfig(ctx: AdminContext): z.infer<typeof configAnswer> {
  const running = ctx.running();
  return { ...configIdentity(running), config: { ...maskedConfig(running.config) } };
}

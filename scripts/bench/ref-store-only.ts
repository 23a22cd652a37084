/** The bounds of ref-store-only-server.ts (relay's store alone behind node:http, then optionally forwarded) as systems to drive. */
import { join, resolve } from 'node:path';
import { openDatabase } from '../../src/store/sqlite/db.ts';
import { migrate } from '../../src/store/sqlite/migrate.ts';
import { Child } from './lib/child.ts';
import { type Ctx, DELIVERY_CONCURRENCY, scratch } from './lib/context.ts';
import { CpuWindow } from './lib/proc.ts';
import { preloadBacklog } from './lib/relay.ts';
import { wallMs } from './lib/stats.ts';
import { childSystem, type System } from './lib/system.ts';

/**
 * `forwardTo`: a path on the target each stored event is then sent to (end to end), or none (ingest);
 * `fanout`: each event stored with that many deliveries and sent to as many paths, over `connections`.
 */
export async function storeOnlySystem(
  ctx: Ctx,
  durability: 'full' | 'normal',
  forwardTo?: string,
  fanout: { paths: number; connections: number } = { paths: 1, connections: DELIVERY_CONCURRENCY },
): Promise<System> {
  const forward = forwardTo
    ? [ctx.target.url(''), forwardTo, String(fanout.connections), String(fanout.paths)]
    : [];
  const server = await Child.start(resolve(import.meta.dirname, 'ref-store-only-server.ts'), [
    scratch(ctx, `store-only-${durability}`),
    durability,
    ...forward,
  ]);
  return {
    ...childSystem(
      forwardTo ? `store alone, sent, outcomes written (${durability})` : `store alone (${durability})`,
      server,
    ),
    fanout: fanout.paths,
  };
}

/** The delivery bounds' note: what the store alone does, and what it leaves out. */
export const STORE_BOUND =
  'stored claimed as relay’s hand-off stores it, sent, its outcome written as relay’s completion writes it; no routing, retries, signing, metrics or logs';

/**
 * ref-store-drain.ts on a backlog of `size` events written as scenario 5
 * writes relay's: deliveries/s from its start to the target's last delivery,
 * and its CPU ms per delivery.
 */
export async function storeAloneDrain(
  ctx: Ctx,
  size: number,
): Promise<{ rate: number; cores: number; cpuMsPerDelivery: number; complete: boolean }> {
  const path = join(scratch(ctx, 'store-drain'), 'relay.db');
  const db = openDatabase({ path });
  migrate(db);
  db.close();
  preloadBacklog(path, size, 'sink');
  await ctx.target.reset();
  const drainer = await Child.start(resolve(import.meta.dirname, 'ref-store-drain.ts'), [
    path,
    'sink',
    ctx.target.url(''),
    '/s5-store',
    String(DELIVERY_CONCURRENCY),
  ]);
  const startedAt = wallMs();
  const cpu = new CpuWindow(drainer.pid).start();
  try {
    const drained = await ctx.target.waitFor(size, ctx.plan.drainTimeoutMs);
    cpu.stop();
    return {
      rate: drained.received / ((drained.lastAt - startedAt) / 1000),
      cores: cpu.cores,
      cpuMsPerDelivery: (cpu.cpuSeconds * 1000) / Math.max(1, drained.received),
      complete: drained.received >= size,
    };
  } finally {
    await drainer.stop();
  }
}

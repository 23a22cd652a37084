/** Reference 2: the naive in-memory forwarder (ref-naive-server.ts) as a system to drive. */
import { resolve } from 'node:path';
import { Child } from './lib/child.ts';
import { type Ctx, DELIVERY_CONCURRENCY } from './lib/context.ts';
import { childSystem, type System } from './lib/system.ts';

/** With `fanout`: each event sent to that many paths, over `connections` in all. */
export async function naiveSystem(
  ctx: Ctx,
  fanout: { paths: number; connections: number } = { paths: 1, connections: DELIVERY_CONCURRENCY },
): Promise<System> {
  const forwarder = await Child.start(resolve(import.meta.dirname, 'ref-naive-server.ts'), [
    ctx.target.url(''),
    '/naive',
    String(fanout.connections),
    String(fanout.paths),
  ]);
  return { ...childSystem('naive forwarder', forwarder), fanout: fanout.paths };
}

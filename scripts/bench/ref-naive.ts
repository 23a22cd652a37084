/** Reference 2: the naive in-memory forwarder (ref-naive-server.ts) as a system to drive. */
import { resolve } from 'node:path';
import { Child } from './lib/child.ts';
import { type Ctx, DELIVERY_CONCURRENCY } from './lib/context.ts';
import { childSystem, type System } from './lib/system.ts';

export async function naiveSystem(ctx: Ctx): Promise<System> {
  const forwarder = await Child.start(resolve(import.meta.dirname, 'ref-naive-server.ts'), [
    ctx.target.url(''),
    '/naive',
    String(DELIVERY_CONCURRENCY),
  ]);
  return childSystem('naive forwarder', forwarder);
}

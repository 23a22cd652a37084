/** The bounds of ref-store-only-server.ts (relay's store alone behind node:http, then optionally forwarded) as systems to drive. */
import { resolve } from 'node:path';
import { Child } from './lib/child.ts';
import { type Ctx, DELIVERY_CONCURRENCY, scratch } from './lib/context.ts';
import { childSystem, type System } from './lib/system.ts';

/** `forwardTo`: a path on the target each stored event is then sent to (end to end), or none (ingest). */
export async function storeOnlySystem(
  ctx: Ctx,
  durability: 'full' | 'normal',
  forwardTo?: string,
): Promise<System> {
  const forward = forwardTo ? [ctx.target.url(''), forwardTo, String(DELIVERY_CONCURRENCY)] : [];
  const server = await Child.start(resolve(import.meta.dirname, 'ref-store-only-server.ts'), [
    scratch(ctx, `store-only-${durability}`),
    durability,
    ...forward,
  ]);
  return childSystem(
    forwardTo ? `store alone, then forwarded (${durability})` : `store alone (${durability})`,
    server,
  );
}

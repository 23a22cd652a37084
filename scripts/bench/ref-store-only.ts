/** The bounds of ref-store-only-server.ts (relay's store alone behind node:http, then optionally forwarded) as systems to drive. */
import { resolve } from 'node:path';
import { Child } from './lib/child.ts';
import { type Ctx, DELIVERY_CONCURRENCY, scratch } from './lib/context.ts';
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

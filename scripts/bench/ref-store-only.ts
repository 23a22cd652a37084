/** Scenario 1's bound: relay's store alone behind node:http (ref-store-only-server.ts) as a system to drive. */
import { resolve } from 'node:path';
import { Child } from './lib/child.ts';
import { type Ctx, scratch } from './lib/context.ts';
import { memoryMiB } from './lib/proc.ts';
import type { System } from './lib/system.ts';

export async function storeOnlySystem(ctx: Ctx, durability: 'full' | 'normal'): Promise<System> {
  const server = await Child.start(resolve(import.meta.dirname, 'ref-store-only-server.ts'), [
    scratch(ctx, `store-only-${durability}`),
    durability,
  ]);
  return {
    name: `store alone (${durability})`,
    origin: `http://127.0.0.1:${server.port}`,
    path: () => '/in/app',
    fanout: 1,
    pids: [server.pid],
    peakRss: () => memoryMiB(server.pid).peak,
    notes: () => [],
    stop: () => server.stop(),
  };
}

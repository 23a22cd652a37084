/**
 * Reference 1, the HTTP ceiling: the same load generator drives the target
 * directly, so a rate compared with it leaves out what this machine, this
 * generator and this target cost.
 */
import type { Ctx } from './lib/context.ts';
import type { System } from './lib/system.ts';

export function bareSystem(ctx: Ctx): System {
  return {
    name: 'bare target',
    origin: ctx.target.url(''),
    path: () => '/bare',
    fanout: 1,
    pids: [ctx.target.pid],
    peakRss: () => undefined,
    notes: () => ['CPU is the target process'],
    stop: async () => {},
  };
}

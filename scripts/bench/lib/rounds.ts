/**
 * Measures systems in turn, round after round (each round starting with the
 * next system, so none always goes first), and keeps every measurement: a
 * figure is then the median over rounds, and a ratio compares figures taken
 * moments apart on a machine whose other load comes and goes.
 */
import type { Ctx } from './context.ts';
import { median } from './stats.ts';
import type { System } from './system.ts';

export async function alternate<T>(
  ctx: Ctx,
  systems: System[],
  measure: (system: System) => Promise<T>,
): Promise<T[][]> {
  const results: T[][] = systems.map(() => []);
  for (let round = 0; round < ctx.plan.rounds; round++) {
    for (let k = 0; k < systems.length; k++) {
      const index = (round + k) % systems.length;
      results[index]!.push(await measure(systems[index]!));
    }
  }
  return results;
}

/** The median of one figure over a system's rounds. */
export function med<T>(runs: T[], figure: (run: T) => number): number {
  return median(runs.map(figure));
}

/** "a, b, c" of each round's figure, for the notes. */
export function each<T>(runs: T[], figure: (run: T) => number): string {
  return runs.map((run) => Math.round(figure(run)).toLocaleString('en-US')).join(', ');
}

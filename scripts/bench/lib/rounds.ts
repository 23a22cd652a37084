/**
 * Measures systems in turn, round after round (each round starting with the
 * next system, so none always goes first), and keeps every measurement: a
 * figure is then the median over rounds, and a ratio compares figures taken
 * moments apart on a machine whose other load comes and goes.
 */
import type { Ctx } from './context.ts';
import { fmt } from './report.ts';
import { median } from './stats.ts';
import type { System } from './system.ts';

/** The scenario's systems, for the plan's number of rounds. */
export function alternate<T>(
  ctx: Ctx,
  systems: System[],
  measure: (system: System) => Promise<T>,
): Promise<T[][]> {
  return inTurn(ctx.plan.rounds, systems, measure);
}

/** Each of `items` once a round, the first rotating; the measurements by item. */
export async function inTurn<S, T>(
  rounds: number,
  items: readonly S[],
  measure: (item: S) => Promise<T>,
): Promise<T[][]> {
  const results: T[][] = items.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < items.length; k++) {
      const index = (round + k) % items.length;
      results[index]!.push(await measure(items[index]!));
    }
  }
  return results;
}

/** "median [min–max]" of the rounds' values, to `digits` decimals. */
export function medianRange(values: readonly number[], digits: number): string {
  return `${fmt(median(values), digits)} [${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}]`;
}

/** The median of one figure over a system's rounds. */
export function med<T>(runs: T[], figure: (run: T) => number): number {
  return median(runs.map(figure));
}

/** "a, b, c" of each round's figure, for the notes. */
export function each<T>(runs: T[], figure: (run: T) => number): string {
  return runs.map((run) => Math.round(figure(run)).toLocaleString('en-US')).join(', ');
}

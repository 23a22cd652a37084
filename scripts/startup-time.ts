/**
 * How fast the single executable starts, measured the way the smoke test runs
 * it (copied alone into an empty temp dir, no node on PATH):
 *
 * - `relay --version`: spawn to exit;
 * - the daemon: spawn to the first `/readyz` answering 200, then SIGTERM. The
 *   first start also writes the addon and creates the database; it is shown on
 *   its own, and the median is over the restarts that follow;
 * - beside each restart, in turns, the bare single executable (bare-sea.ts):
 *   the same measure of what Node's own start costs on this machine now, and
 *   the median of relay's time over it, restart by restart.
 *
 *   npm run build:sea && npm run startup-time [-- --runs 10 --executable dist/relay]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBareSea } from './lib/bare-sea.ts';
import {
  builtExecutable,
  isolate,
  runToEnd,
  STARTUP_CONFIG,
  StepError,
  startDaemon,
  stopDaemon,
  untilReady,
} from './lib/isolated.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    executable: { type: 'string', default: builtExecutable },
  },
});
const runs = Number(values.runs);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summary(samples: number[]): string {
  return `median ${median(samples).toFixed(0)} ms (min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)}, n=${samples.length})`;
}

async function main(): Promise<void> {
  const box = isolate('relay-startup-', resolve(values.executable));
  try {
    const config = join(box.dir, 'relay.yaml');
    writeFileSync(config, STARTUP_CONFIG);
    const run = { cwd: box.dir, env: box.env };

    const version: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const result = await runToEnd(box.executable, ['--version'], run);
      if (result.code !== 0) throw new StepError(`--version exited ${result.code}: ${result.stderr}`);
      version.push(performance.now() - started);
    }

    const bare = buildBareSea(box.dir);
    const toReady = async (executable: string, args: string[]): Promise<number> => {
      const started = performance.now();
      const daemon = await startDaemon(executable, args, run);
      await untilReady(daemon);
      const elapsed = performance.now() - started;
      const code = await stopDaemon(daemon);
      if (code !== 0) throw new StepError(`${executable} exited ${code} after SIGTERM: ${daemon.stderr()}`);
      return elapsed;
    };
    const relayStart = () => toReady(box.executable, ['--config', config]);
    const first = await relayStart();
    const ready: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Each goes first in every other pair, so neither always starts on a machine the other just left.
      if (i % 2 === 0) ready.push(await relayStart());
      floor.push(await toReady(bare, []));
      if (i % 2 === 1) ready.push(await relayStart());
    }
    const over = ready.map((ms, i) => ms / floor[i]!);

    console.log(`relay --version:            ${summary(version)}`);
    console.log(`start → /readyz 200:        ${summary(ready)}`);
    console.log(`bare Node executable:       ${summary(floor)}`);
    console.log(`relay ÷ bare, per pair:     median ${median(over).toFixed(2)}×`);
    console.log(`first start (addon + db):   ${first.toFixed(0)} ms`);
  } finally {
    box.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`startup-time: ${error instanceof StepError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
});

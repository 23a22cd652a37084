/**
 * How fast the single executable starts, measured the way the smoke test runs
 * it (copied alone into an empty temp dir, no node on PATH):
 *
 * - `relay --version`: spawn to exit;
 * - the daemon: spawn to the first `/readyz` answering 200, then SIGTERM. The
 *   first start also writes the addon and creates the database; it is shown on
 *   its own, and the median is over the restarts that follow.
 *
 *   npm run build:sea && npm run startup-time [-- --runs 10 --executable dist/relay]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
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

    const ready: number[] = [];
    let first = 0;
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      const daemon = await startDaemon(box.executable, ['--config', config], run);
      await untilReady(daemon);
      const elapsed = performance.now() - started;
      const code = await stopDaemon(daemon);
      if (code !== 0) throw new StepError(`relay exited ${code} after SIGTERM: ${daemon.stderr()}`);
      if (i === 0) first = elapsed;
      else ready.push(elapsed);
    }

    console.log(`relay --version:            ${summary(version)}`);
    console.log(`start → /readyz 200:        ${summary(ready)}`);
    console.log(`first start (addon + db):   ${first.toFixed(0)} ms`);
  } finally {
    box.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`startup-time: ${error instanceof StepError ? error.message : (error as Error).stack}`);
  process.exitCode = 1;
});

/**
 * The training run behind the single executable's code cache
 * (scripts/sea-entry.cjs): a build of the executable that carries the asset
 * `code-cache-output` instead of a cache is started the way startup-time
 * starts it, in an empty temp dir, until /readyz answers 200, then stopped
 * with SIGTERM. At exit it writes V8's code cache, which then holds every
 * function that start, the first request and the stop compiled.
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolate, STARTUP_CONFIG, StepError, startDaemon, stopDaemon, untilReady } from './isolated.ts';

/** Runs `executable` (built with `code-cache-output` naming `cacheFile`) once; resolves once the cache is written. */
export async function trainCodeCache(executable: string, cacheFile: string): Promise<void> {
  rmSync(cacheFile, { force: true });
  const box = isolate('relay-code-cache-', executable);
  try {
    const config = join(box.dir, 'relay.yaml');
    writeFileSync(config, STARTUP_CONFIG);
    const daemon = await startDaemon(box.executable, ['--config', config], { cwd: box.dir, env: box.env });
    await untilReady(daemon);
    const code = await stopDaemon(daemon);
    if (code !== 0) throw new StepError(`the training run exited ${code}: ${daemon.stderr()}`);
  } finally {
    box.cleanup();
  }
  if (!existsSync(cacheFile) || statSync(cacheFile).size === 0) {
    throw new StepError(`the training run wrote no code cache to ${cacheFile}`);
  }
}

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
import { isolate, StepError, startDaemon, stopDaemon } from './isolated.ts';

/** The config of the training start: one source, endpoint and route, like startup-time's. */
const TRAINING_CONFIG = `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { path: ./data/relay.db }
sources:
  app: { type: { field: type } }
endpoints:
  sink: { url: "http://127.0.0.1:9/sink" }
routes:
  - { from: [app], types: "*", to: [sink] }
`;

/** Runs `executable` (built with `code-cache-output` naming `cacheFile`) once; resolves once the cache is written. */
export async function trainCodeCache(executable: string, cacheFile: string): Promise<void> {
  rmSync(cacheFile, { force: true });
  const box = isolate('relay-code-cache-', executable);
  try {
    const config = join(box.dir, 'relay.yaml');
    writeFileSync(config, TRAINING_CONFIG);
    const daemon = await startDaemon(box.executable, ['--config', config], { cwd: box.dir, env: box.env });
    await readyOnce(daemon.adminUrl);
    const code = await stopDaemon(daemon);
    if (code !== 0) throw new StepError(`the training run exited ${code}: ${daemon.stderr()}`);
  } finally {
    box.cleanup();
  }
  if (!existsSync(cacheFile) || statSync(cacheFile).size === 0) {
    throw new StepError(`the training run wrote no code cache to ${cacheFile}`);
  }
}

async function readyOnce(adminUrl: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const res = await fetch(`${adminUrl}/readyz`).catch(() => undefined);
    await res?.arrayBuffer();
    if (res?.status === 200) return;
    if (performance.now() > deadline) throw new StepError('/readyz did not answer 200 within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * What making a Node single executable takes, shared by the shipped build
 * (scripts/build-sea.ts) and the bare one startup-time measures beside it
 * (bare-sea.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The running Node binary copied to `target` without its symbol tables (33 MB
 * less to map and page in); the binary itself, with a warning, where `strip`
 * fails or is not installed. The caller removes `target` when done.
 */
export function strippedNode(target: string, who: string): string {
  const result = spawnSync('strip', ['-o', target, process.execPath], { stdio: 'inherit' });
  if (result.error || result.status !== 0) {
    console.warn(`${who}: \`strip\` failed or is not installed; using the Node binary as it is`);
    rmSync(target, { force: true });
    return process.execPath;
  }
  return target;
}

/**
 * One `node --build-sea` on `config`, written to `configFile`, run by this
 * Node with `nodeFlags` (those of the process that builds, and for a snapshot
 * runs, the main script); the executable at `config.output` is replaced.
 */
export function buildSingleExecutable(
  configFile: string,
  config: { output: string } & Record<string, unknown>,
  nodeFlags: readonly string[] = [],
): void {
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  rmSync(config.output, { force: true });
  execFileSync(process.execPath, [...nodeFlags, '--build-sea', configFile], { stdio: 'inherit' });
  chmodSync(config.output, 0o755);
}

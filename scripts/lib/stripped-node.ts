import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

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

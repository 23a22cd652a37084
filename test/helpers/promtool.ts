import { spawn } from 'node:child_process';

export interface PromtoolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs Prometheus's own `promtool` (Debian's `prometheus` package, which
 * .ci/run installs when it is missing), with `input` on its stdin. A missing
 * promtool fails the test that needs it, with a message saying how to get it:
 * a linter that never runs would let a broken rule or metric through.
 */
export function promtool(args: string[], input = ''): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(
              'promtool is not on PATH: install it with `apt-get install -y --no-install-recommends prometheus` (.ci/run does this when it is missing)',
            )
          : error,
      );
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

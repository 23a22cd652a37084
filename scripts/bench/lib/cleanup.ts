/**
 * Processes the harness started that have no IPC channel to notice its end
 * (relay, redis-server): killed when the harness exits for any reason, so
 * nothing outlives a run.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

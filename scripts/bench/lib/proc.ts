/**
 * CPU and memory of a process under test, from /proc/<pid> (Linux only):
 * nothing is asked of the process itself, so the measurement costs it nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Resident memory now and its peak over the process's life (VmHWM), in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** CPU used between `start()` and `stop()`, as cores busy (1.0 = one core all the time). */
export class CpuWindow {
  private readonly pids: number[];
  private cpu0 = 0;
  private wall0 = 0;
  cpuSeconds = 0;
  wallSeconds = 0;

  constructor(...pids: number[]) {
    this.pids = pids;
  }

  start(): this {
    this.cpu0 = this.total();
    this.wall0 = performance.now();
    return this;
  }

  stop(): this {
    this.cpuSeconds = this.total() - this.cpu0;
    this.wallSeconds = (performance.now() - this.wall0) / 1000;
    return this;
  }

  get cores(): number {
    return this.wallSeconds > 0 ? this.cpuSeconds / this.wallSeconds : 0;
  }

  private total(): number {
    let sum = 0;
    for (const pid of this.pids) sum += cpuSeconds(pid);
    return sum;
  }
}

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

/** The kB figures of /proc/<pid>/status, by name. */
function statusKiB(pid: number): (key: string) => number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
}

/** Resident memory now and its peak over the process's life (VmHWM), in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const kib = statusKiB(pid);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/**
 * Resident memory by kind, in MiB: anonymous (heap, buffers, SQLite's cache:
 * what the process really holds) apart from file-backed pages (mostly the
 * executable's own code, ~100 MiB for the single executable, which the
 * kernel may drop and read again).
 */
export function residentParts(pid: number): { anon: number; file: number } {
  const kib = statusKiB(pid);
  return { anon: kib('RssAnon') / 1024, file: kib('RssFile') / 1024 };
}

/** The peak of each kind of resident memory, sampled every 100 ms until `stop()` (the kernel keeps only the total's). */
export class ResidentPeaks {
  readonly peak = { anon: 0, file: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number) {
    const sample = () => {
      try {
        const now = residentParts(pid);
        this.peak.anon = Math.max(this.peak.anon, now.anon);
        this.peak.file = Math.max(this.peak.file, now.file);
      } catch {
        // The process has exited: the peaks stand.
      }
    };
    sample();
    this.timer = setInterval(sample, 100);
    this.timer.unref();
  }

  stop(): this {
    clearInterval(this.timer);
    return this;
  }
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

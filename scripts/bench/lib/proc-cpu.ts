/**
 * CPU time of a PostgreSQL server: the postmaster and its children (the
 * backends serving our connections, the writers), from /proc on Linux, in ms.
 * Children that already exited are in the postmaster's cutime/cstime.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;

/** Fields after the `(comm)` of /proc/<pid>/stat: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function stat(pid: string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // exited meanwhile
  }
}

export function serverCpuMs(postmaster: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = stat(pid);
    if (!fields) continue;
    if (Number(pid) === postmaster) {
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } else if (Number(fields[1]) === postmaster) {
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}

/**
 * CPU of each relay process and of the PostgreSQL server (the postmaster and
 * its backends, from /proc) over one measurement, so CPU per event can be
 * told apart: relay's own, and the database's, which a deployment pays on
 * another machine or another core.
 */
import { cpuSeconds } from './proc.ts';
import { serverCpuMs } from './proc-cpu.ts';

export interface CpuSplit {
  /** CPU ms of each relay process, in the order given. */
  relayMs: number[];
  /** CPU ms of the PostgreSQL server's processes (0 without a server). */
  serverMs: number;
}

export async function withCpuSplit<T>(
  relayPids: readonly number[],
  postmaster: number | undefined,
  run: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSplit }> {
  const relay0 = relayPids.map(cpuSeconds);
  const server0 = postmaster === undefined ? 0 : serverCpuMs(postmaster);
  const result = await run();
  const relayMs = relayPids.map((pid, i) => (cpuSeconds(pid) - relay0[i]!) * 1000);
  const serverMs = postmaster === undefined ? 0 : serverCpuMs(postmaster) - server0;
  return { result, cpu: { relayMs, serverMs } };
}

export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * What the CPU per unit predicts: units per second per core of relay (plus
 * the server's) CPU, assuming nothing else limits. `withRelay` adds relay's
 * own figure, for rows that do not already show it.
 */
export function cpuNotes(
  perUnit: { relay: number; server: number | undefined },
  units: string,
  withRelay: boolean,
): string[] {
  const unit = units.replace(/ies$/, 'y').replace(/s$/, '');
  const notes = withRelay ? [`relay ${perUnit.relay.toFixed(3)} CPU ms/${unit}`] : [];
  if (perUnit.server === undefined) return [...notes, `≈ ${perCore(perUnit.relay)} ${units}/s per core`];
  return [
    ...notes,
    `PostgreSQL server ${perUnit.server.toFixed(3)} CPU ms/${unit}`,
    `≈ ${perCore(perUnit.relay + perUnit.server)} ${units}/s per core of relay + server CPU (N cores: N ×)`,
  ];
}

const perCore = (ms: number) => (ms > 0 ? Math.round(1000 / ms).toLocaleString('en-US') : '–');

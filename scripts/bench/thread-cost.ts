/**
 * `npm run bench:threads`: what moving relay's outbound HTTP (its lanes) to a
 * worker thread would cost or gain on this machine, measured on the simplest
 * system that has the split: the naive forwarder with its sends on the main
 * thread (ref-naive-server.ts) against the same forwarder with its sends on
 * a worker (ref-naive-threaded-server.ts). Rounds alternate the two, the first rotating; each
 * round is a closed loop of 32 connections, then 1,000 requests/s, and
 * reports requests/s and CPU ms per request of the whole process (every
 * thread), from /proc.
 *
 *   npm run bench:threads
 *   npm run bench:threads -- --rounds 5
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Child } from './lib/child.ts';
import { CONNECTIONS, DELIVERY_CONCURRENCY } from './lib/context.ts';
import { drive } from './lib/driver.ts';
import { cpuSeconds } from './lib/proc.ts';
import { inTurn, medianRange } from './lib/rounds.ts';
import { Target } from './lib/target.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const PHASE_MS = 6_000;

const systems = [
  { name: 'sends on the main thread', file: 'ref-naive-server.ts' },
  { name: 'sends on a worker thread', file: 'ref-naive-threaded-server.ts' },
] as const;

interface Round {
  rate: number;
  cpuMs: number;
  cpuMsAt1000: number;
}

/** CPU ms per answered request of `pid` while `load` runs. */
async function measured(pid: number, load: () => ReturnType<typeof drive>) {
  const before = cpuSeconds(pid);
  const result = await load();
  return { result, cpuMs: ((cpuSeconds(pid) - before) * 1000) / result.ok };
}

async function round(target: Target, file: string): Promise<Round> {
  const forwarder = await Child.start(resolve(import.meta.dirname, file), [
    target.url(''),
    '/naive',
    String(DELIVERY_CONCURRENCY),
  ]);
  try {
    const origin = `http://127.0.0.1:${forwarder.port}`;
    const load = { origin, path: () => '/in/app', connections: CONNECTIONS };
    await drive({ ...load, durationMs: 2_000 }); // warm-up: JIT, connections
    const closed = await measured(forwarder.pid, () => drive({ ...load, durationMs: PHASE_MS }));
    const paced = await measured(forwarder.pid, () => drive({ ...load, durationMs: PHASE_MS, rate: 1_000 }));
    return { rate: closed.result.rate, cpuMs: closed.cpuMs, cpuMsAt1000: paced.cpuMs };
  } finally {
    await forwarder.stop();
  }
}

const target = await Target.start();
let rounds: Round[][];
try {
  rounds = await inTurn(ROUNDS, systems, (system) => round(target, system.file));
} finally {
  await target.stop();
}

console.log(`naive forwarder, ${ROUNDS} rounds alternating; medians [min–max]\n`);
console.log('| system | requests/s, 32 connections | CPU ms per request | CPU ms per request at 1,000/s |');
console.log('| --- | ---: | ---: | ---: |');
for (const [i, system] of systems.entries()) {
  const figure = (pick: (round: Round) => number, digits: number) =>
    medianRange(rounds[i]!.map(pick), digits);
  const [rate, cpu, cpuAt1000] = [
    figure((r) => r.rate, 0),
    figure((r) => r.cpuMs, 3),
    figure((r) => r.cpuMsAt1000, 3),
  ];
  console.log(`| ${system.name} | ${rate} | ${cpu} | ${cpuAt1000} |`);
}
const ratios = rounds[1]!.map((x, k) => x.rate / rounds[0]![k]!.rate);
console.log(`\nworker ÷ main thread, requests/s per round: ${ratios.map((x) => x.toFixed(2)).join(', ')}`);

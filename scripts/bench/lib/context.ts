import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { RelayLaunch } from './relay.ts';
import type { Target } from './target.ts';

/** How long and how hard each phase runs: the full run, and --quick to check the harness. */
export interface Plan {
  /** How many times each side-by-side comparison alternates its systems. */
  rounds: number;
  /** Closed-loop phases (max throughput), per round. */
  loadMs: number;
  /** Fixed-rate phases (latency, CPU per delivery), per round. */
  fixedMs: number;
  /** Scenario 1's fixed rate: the issue's "p99 ack at 2,000 events/s". */
  ingestRate: number;
  /** Scenarios 2 and 4's fixed rate (the same, so CPU per delivery compares). */
  deliveryRate: number;
  /** Events pushed through the ×10 fan-out, per round. */
  fanoutEvents: number;
  /** Events waiting when scenario 5's endpoint comes back. */
  backlog: number;
  /** New events per second while scenario 5 drains. */
  drainIngestRate: number;
  /** Longest wait for deliveries to catch up after the load stops. */
  drainTimeoutMs: number;
}

export const plans: Record<'full' | 'quick', Plan> = {
  full: {
    rounds: 3,
    loadMs: 4_000,
    fixedMs: 3_000,
    ingestRate: 2_000,
    deliveryRate: 1_000,
    fanoutEvents: 10_000,
    backlog: 200_000,
    drainIngestRate: 500,
    drainTimeoutMs: 120_000,
  },
  quick: {
    rounds: 1,
    loadMs: 2_000,
    fixedMs: 2_000,
    ingestRate: 2_000,
    deliveryRate: 1_000,
    fanoutEvents: 3_000,
    backlog: 20_000,
    drainIngestRate: 500,
    drainTimeoutMs: 30_000,
  },
};

/** Client connections of every closed-loop load, references and relay alike. */
export const CONNECTIONS = 32;
/** Outbound concurrency of the single-endpoint scenarios and of both references. */
export const DELIVERY_CONCURRENCY = 32;

export interface Ctx {
  plan: Plan;
  target: Target;
  /** The run's temp directory; `scratch()` makes a fresh one inside it. */
  tmp: string;
  launch: RelayLaunch;
  /** Root of the CPU profiles (with --profile); each scenario gets a folder. */
  profiles: string | undefined;
  log(message: string): void;
}

export function scratch(ctx: Ctx, name: string): string {
  return mkdtempSync(join(ctx.tmp, `${name}-`));
}

/** The launch for one scenario: its own profile folder when profiling. */
export function launchFor(ctx: Ctx, scenario: string): RelayLaunch {
  return { ...ctx.launch, profileDir: ctx.profiles ? join(ctx.profiles, scenario) : undefined };
}

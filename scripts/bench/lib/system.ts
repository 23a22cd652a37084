/**
 * Something the load generator drives: relay, a reference, or the bare
 * target. Sections measure several side by side, alternating them round by
 * round (rounds.ts), so a ratio compares figures taken moments apart.
 */
import type { Child } from './child.ts';
import { memoryMiB } from './proc.ts';
import type { RelayProcess } from './relay.ts';

export interface System {
  name: string;
  /** Where the load generator sends events (several: round-robin). */
  origin: string | readonly string[];
  path: (i: number) => string;
  /** The event type written into request i's body. */
  type?: (i: number) => string;
  /** Deliveries the target counts per acknowledged event. */
  fanout: number;
  /** The processes under test: their CPU and memory are reported. */
  pids: number[];
  /** Peak resident memory of those processes so far, MiB (undefined: not reported). */
  peakRss(): number | undefined;
  notes(): string[];
  stop(): Promise<unknown>;
}

export function relaySystem(
  name: string,
  relay: RelayProcess,
  options: { fanout?: number; type?: (i: number) => string } = {},
): System {
  return {
    name,
    origin: relay.ingestUrl,
    path: () => '/in/app',
    type: options.type,
    fanout: options.fanout ?? 1,
    pids: [relay.pid],
    peakRss: () => relay.memory().peak,
    notes: () => relay.warningNotes(),
    stop: () => relay.stop(),
  };
}

/** A reference that is one helper process of the harness, taking events at `/in/app`. */
export function childSystem(name: string, child: Child): System {
  return {
    name,
    origin: `http://127.0.0.1:${child.port}`,
    path: () => '/in/app',
    fanout: 1,
    pids: [child.pid],
    peakRss: () => memoryMiB(child.pid).peak,
    notes: () => [],
    stop: () => child.stop(),
  };
}

/** Stops every system, whatever fails. */
export async function stopAll(systems: (System | undefined)[]): Promise<void> {
  await Promise.allSettled(systems.map((s) => s?.stop()));
}

/** Several relays on one database, posted to round-robin; their CPU and memory are summed. */
export function clusterSystem(
  name: string,
  relays: readonly RelayProcess[],
  options: { type?: (i: number) => string } = {},
): System {
  return {
    name,
    origin: relays.map((relay) => relay.ingestUrl),
    path: () => '/in/app',
    type: options.type,
    fanout: 1,
    pids: relays.map((relay) => relay.pid),
    peakRss: () => relays.reduce((sum, relay) => sum + relay.memory().peak, 0),
    notes: () => relays.flatMap((relay) => relay.warningNotes()),
    stop: () => Promise.all(relays.map((relay) => relay.stop())),
  };
}

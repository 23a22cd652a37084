/**
 * The load generator: undici, in the harness process (never in the process
 * under test). Closed loop (`connections` requests always outstanding, as fast
 * as answers come) or open loop (`rate` requests per second on a fixed
 * schedule, latency counted from each request's scheduled time, so a stall
 * shows in the percentiles instead of slowing the schedule down).
 */
import { Pool } from 'undici';
import { body } from './bodies.ts';
import { type LatencySummary, Samples, sleep, wallMs } from './stats.ts';

export interface Load {
  /** Origin, e.g. http://127.0.0.1:8080; several: request i goes to the (i mod n)th. */
  origin: string | readonly string[];
  path: (i: number) => string;
  /** The event type written into request i's body. */
  type?: (i: number) => string;
  connections: number;
  durationMs: number;
  /** Stop after this many requests even if time remains. */
  maxRequests?: number;
  /** Open loop: requests per second. Without it, closed loop. */
  rate?: number;
  /** Stops the load early (no new requests; those outstanding finish). */
  signal?: AbortSignal;
}

export interface LoadResult {
  sent: number;
  /** Answered 2xx. */
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  /** Epoch ms of the first request, and of the last answer. */
  firstSentAt: number;
  lastDoneAt: number;
  /** 2xx answers per second over the run. */
  rate: number;
  latency: LatencySummary;
}

/** Outstanding requests an open loop may have before it waits (its schedule still counts). */
const MAX_OUTSTANDING = 2_000;

export async function drive(load: Load): Promise<LoadResult> {
  const origins = typeof load.origin === 'string' ? [load.origin] : load.origin;
  const perOrigin = Math.ceil(load.connections / origins.length);
  const pools = origins.map((origin) => new Pool(origin, { connections: perOrigin, pipelining: 1 }));
  const latency = new Samples();
  const statuses: Record<string, number> = {};
  const typeOf = load.type ?? (() => 'receive');
  const max = load.maxRequests ?? Number.POSITIVE_INFINITY;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let lastDoneAt = 0;

  const one = async (i: number, startedAt: number): Promise<void> => {
    try {
      const res = await pools[i % pools.length]!.request({
        path: load.path(i),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(i, typeOf(i), wallMs()),
      });
      await res.body.dump();
      const key = String(res.statusCode);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        ok++;
        latency.push(performance.now() - startedAt);
      } else failed++;
    } catch (error) {
      failed++;
      const key = (error as { code?: string }).code ?? 'error';
      statuses[key] = (statuses[key] ?? 0) + 1;
      await sleep(5); // a refused connection must not spin the loop
    }
    lastDoneAt = wallMs();
  };

  const firstSentAt = wallMs();
  const started = performance.now();
  const deadline = started + load.durationMs;
  const going = () => performance.now() < deadline && sent < max && !load.signal?.aborted;
  if (load.rate === undefined) {
    const worker = async () => {
      while (going()) {
        const i = sent++;
        await one(i, performance.now());
      }
    };
    await Promise.all(Array.from({ length: load.connections }, worker));
  } else {
    const interval = 1000 / load.rate;
    const outstanding = new Set<Promise<void>>();
    while (going()) {
      const now = performance.now();
      // Fire everything whose scheduled time has come.
      while (sent < max && started + sent * interval <= now && outstanding.size < MAX_OUTSTANDING) {
        const scheduled = started + sent * interval;
        const p = one(sent++, scheduled).finally(() => outstanding.delete(p));
        outstanding.add(p);
      }
      await sleep(1);
    }
    await Promise.all(outstanding);
  }
  await Promise.all(pools.map((pool) => pool.close()));
  const seconds = (lastDoneAt - firstSentAt) / 1000;
  return {
    sent,
    ok,
    failed,
    statuses,
    firstSentAt,
    lastDoneAt,
    rate: seconds > 0 ? ok / seconds : 0,
    latency: latency.summary(),
  };
}

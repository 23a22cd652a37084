/**
 * Scenario 5, backlog: events waiting for an endpoint that was paused (as
 * when its target was down), then it is resumed. The backlog is written
 * straight into relay's database before relay starts (HTTP ingest is
 * scenario 1's measure; writing 200,000 events through it would only make
 * the run longer). Measures the drain rate, relay's peak RSS, and the
 * acknowledgement latency of new events arriving at a steady rate meanwhile.
 * Then, as a bound, the same backlog drained by relay's store alone
 * (ref-store-drain.ts).
 */
import { CONNECTIONS, type Ctx, DELIVERY_CONCURRENCY, launchFor, scratch } from './lib/context.ts';
import { drive } from './lib/driver.ts';
import { CpuWindow, ResidentPeaks } from './lib/proc.ts';
import {
  createDatabase,
  groupCommits,
  metricSum,
  preloadBacklog,
  RelayProcess,
  type RelaySpec,
  setStateInDatabase,
} from './lib/relay.ts';
import type { Section } from './lib/report.ts';
import { wallMs } from './lib/stats.ts';
import { storeAloneDrain } from './ref-store-only.ts';

export async function backlog(ctx: Ctx): Promise<Section> {
  const spec: RelaySpec = {
    durability: 'full',
    endpoints: [{ name: 'b0', url: ctx.target.url('/s5'), concurrency: DELIVERY_CONCURRENCY }],
    routes: [{ types: '*', to: ['b0'] }],
  };
  const dir = scratch(ctx, 'backlog');
  const launch = launchFor(ctx, 'backlog');
  const size = ctx.plan.backlog;
  await createDatabase(spec, dir, launch);
  const preloadStarted = performance.now();
  preloadBacklog(`${dir}/relay.db`, size, 'b0');
  setStateInDatabase(`${dir}/relay.db`, ['b0'], 'paused');
  const preloadSeconds = (performance.now() - preloadStarted) / 1000;
  ctx.log(`  preloaded ${size} events in ${preloadSeconds.toFixed(1)} s`);

  await ctx.target.reset();
  let relay = await RelayProcess.start(spec, dir, launch);
  let how = 'resumed through the admin API';
  if (!(await relay.endpoint('b0', 'resume'))) {
    // No admin API in this relay: start it with the endpoint active instead; the drain starts with it.
    await relay.stop();
    setStateInDatabase(`${dir}/relay.db`, ['b0'], 'active');
    how = 'active from relay start (no admin API to resume)';
    relay = await RelayProcess.start(spec, dir, launch);
  }
  const resumedAt = wallMs();
  try {
    const commitsBefore = groupCommits(await relay.metrics());
    const cpu = new CpuWindow(relay.pid).start();
    const resident = new ResidentPeaks(relay.pid);
    const stop = new AbortController();
    const ingest = drive({
      origin: relay.ingestUrl,
      path: () => '/in/app',
      connections: CONNECTIONS,
      durationMs: ctx.plan.drainTimeoutMs,
      rate: ctx.plan.drainIngestRate,
      signal: stop.signal,
    });
    const drained = await ctx.target.waitFor(size, ctx.plan.drainTimeoutMs);
    stop.abort();
    cpu.stop();
    const { peak } = resident.stop();
    const load = await ingest;
    const memory = await relay.metrics();
    const commitsAfter = groupCommits(memory);
    const heapMiB = metricSum(memory, 'nodejs_heap_size_total_bytes') / 2 ** 20;
    const externalMiB = metricSum(memory, 'nodejs_external_memory_bytes') / 2 ** 20;
    // The longest the event loop was held since the scrape before the drain (each scrape resets it):
    // says whether a slow acknowledgement waited for relay or for the machine.
    const longestStallMs = metricSum(memory, 'nodejs_eventloop_lag_max_seconds') * 1000;
    const drainSeconds = (drained.lastAt - resumedAt) / 1000;
    const rate = drained.received / drainSeconds;
    const commitCount = commitsAfter.commits - commitsBefore.commits;
    const perCommit = (commitsAfter.items - commitsBefore.items) / Math.max(1, commitCount);
    const peakRss = relay.memory().peak;
    const notes = [
      `${size.toLocaleString('en-US')} events, ${how}`,
      `ingest ${ctx.plan.drainIngestRate}/s during the drain: p50 ${load.latency.p50.toFixed(1)} ms`,
      `relay's event loop held at most ${longestStallMs.toFixed(0)} ms at a time`,
      `${Math.round(commitCount / drainSeconds)} group commits/s of ${perCommit.toFixed(1)} items`,
      `peak resident: ${peak.anon.toFixed(0)} MiB anonymous, ${peak.file.toFixed(0)} MiB file-backed (code)`,
      `at the end: V8 heap ${heapMiB.toFixed(0)} MiB, external ${externalMiB.toFixed(0)} MiB, RSS ${relay.memory().rss.toFixed(0)} MiB`,
    ];
    if (drained.received < size) notes.push(`only ${drained.received} delivered before the timeout`);
    if (load.failed > 0) notes.push(`${load.failed} not acknowledged ${JSON.stringify(load.statuses)}`);
    await relay.stop();
    const bound = await storeAloneDrain(ctx, size);
    return {
      id: 'backlog',
      rows: [
        {
          name: 'bound: relay’s store alone draining (full)',
          rate: bound.rate,
          unit: 'deliveries/s',
          latency: 'ack',
          cpu: bound.cores,
          notes: [
            `${bound.cpuMsPerDelivery.toFixed(3)} CPU ms/delivery`,
            'the same backlog claimed, sent and each outcome written through relay’s store by the least a dispatcher does; no ingest beside it',
            ...(bound.complete ? [] : ['did not finish before the timeout']),
          ],
        },
        {
          name: '5 backlog drain',
          rate,
          unit: 'deliveries/s',
          p99: load.latency.p99,
          latency: 'ack',
          peakRss,
          cpu: cpu.cores,
          notes: [...notes, ...relay.warningNotes()],
        },
      ],
      figures: {
        rate,
        peakRss,
        peakAnon: peak.anon,
        ingestP99: load.latency.p99,
        preloadSeconds,
        storeAloneRate: bound.rate,
      },
      notes: [],
    };
  } finally {
    await relay.stop();
  }
}

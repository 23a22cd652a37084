import pkg from '../package.json' with { type: 'json' };
import type { AdminContext } from './admin/context.ts';
import { removeGoneEndpoint } from './admin/gone.ts';
import { isLoopback } from './admin/guard.ts';
import { createAdminHandler } from './admin/server.ts';
import { StreamHub } from './admin/stream.ts';
import { Throughput } from './admin/throughput.ts';
import { type Clock, systemClock } from './clock.ts';
import { LiveConfig } from './config/live.ts';
import { refuseRestartOnlyChanges } from './config/restart-only.ts';
import { runningConfig } from './config/running.ts';
import type { RelayConfig } from './config/schema.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { Ownership } from './dispatch/ownership.ts';
import { listen, urlOf } from './http/listener.ts';
import { OperationalEvents } from './ingest/relay-source.ts';
import { createIngestHandler, type IngestView } from './ingest/server.ts';
import { viewOf } from './ingest/view.ts';
import { BackgroundFailures, createLogger, type Logger } from './log.ts';
import { ManagedSync } from './managed-sync.ts';
import { RelayMetrics } from './metrics.ts';
import { Backlog } from './store/backlog.ts';
import { openStore } from './store/open.ts';
import { Pruner } from './store/pruner.ts';
import type { PruneResult, Store } from './store/store.ts';

export interface RelayOptions {
  clock?: Clock;
  log?: Logger;
}

export interface Relay {
  readonly ingestUrl: string;
  readonly adminUrl: string;
  readonly metrics: RelayMetrics;
  /**
   * Applies a new, already validated config: new events, and each endpoint's next attempt.
   * Throws RestartRequiredError, applying nothing, when it changes a restart-only setting.
   */
  reload(config: RelayConfig): void;
  /** Makes the dispatcher look at every endpoint now (after an operator's action, or a test's clock jump). */
  wake(): void;
  /** Runs a retention pass now (it also runs on a timer). */
  pruneNow(): Promise<PruneResult>;
  /** Graceful stop: readiness fails, ingest drains, the last commit is flushed. Same promise every call. */
  close(): Promise<void>;
}

export async function startRelay(initial: RelayConfig, options: RelayOptions = {}): Promise<Relay> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger('info');
  const metrics = new RelayMetrics();
  let view = viewOf(initial);
  const store = await openStore(initial, {
    minFreeDisk: () => view.config.limits.min_free_disk,
    onCommit: (items) => {
      metrics.storeCommits.inc();
      metrics.storeCommittedItems.inc(items);
    },
  });
  const cleanups: (() => void | Promise<void>)[] = [() => store.close()];
  try {
    // Endpoints and routes made through the admin API join the file's (a ConfigError if they no longer fit).
    const live = new LiveConfig(initial, await store.managed.list());
    view = viewOf(live.config);
    return await assemble(
      { store, metrics, clock, log, live, view: () => view, setView: (v) => (view = v) },
      cleanups,
    );
  } catch (error) {
    await runAll(cleanups.reverse(), log);
    throw error;
  }
}

interface Parts {
  store: Store;
  live: LiveConfig;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  view: () => IngestView;
  setView: (view: IngestView) => void;
}

async function assemble(parts: Parts, cleanups: (() => void | Promise<void>)[]): Promise<Relay> {
  const { store, metrics, clock, log, live, view } = parts;
  const initial = view().config;
  const failures = new BackgroundFailures(log, (task) => metrics.backgroundErrors.inc({ task }));
  // Whatever was in flight when the last process stopped is sent again (at-least-once).
  const recovered = await store.recover(clock.now());
  if (recovered > 0) log.info({ recovered }, 'in-flight deliveries of the last run returned to pending');
  const backlog = new Backlog(await store.unfinishedCounts());
  const userAgent = `relay/${pkg.version}`;
  let running = runningConfig(initial, clock.now(), live.file);
  const opsEvents = new OperationalEvents({
    routing: () => view().routing,
    store,
    backlog,
    clock,
    log: log.child({ component: 'relay-source' }),
    failures,
    added: (endpoint) => dispatcher.added(endpoint),
  });
  const ownership = new Ownership({
    store,
    clock,
    log: log.child({ component: 'cluster' }),
    failures,
    backlog,
    metrics,
    endpoints: () => Object.keys(view().config.endpoints),
    own: (endpoints) => dispatcher.own(endpoints),
    work: (endpoints) => {
      for (const endpoint of endpoints) dispatcher.added(endpoint, 0);
    },
    states: (states) => dispatcher.applyStates(states),
  });
  // Runs after the dispatcher's stop (cleanups run in reverse): leases go only once nothing is in flight.
  cleanups.push(() => ownership.leave());
  const dispatcher = new Dispatcher(initial, await store.endpointStates(), {
    store,
    backlog,
    metrics,
    clock,
    log: log.child({ component: 'dispatch' }),
    failures,
    userAgent,
    onDisabled: (endpoint, status) => {
      if (view().config.endpoints[endpoint]?.on_gone !== 'remove')
        return opsEvents.endpointDisabled(endpoint, status);
      removeGoneEndpoint(adminContext, endpoint).then(
        (dropped) => opsEvents.endpointRemoved(endpoint, dropped),
        (error: unknown) =>
          log.error({ err: error, endpoint }, 'could not remove an endpoint that answered 410 Gone'),
      );
    },
    onDead: (endpoint, dead) => opsEvents.deliveryDead(endpoint, dead),
    onRecovered: (endpoint) => opsEvents.endpointRecovered(endpoint),
  });
  cleanups.push(() => dispatcher.stop(0));
  const stream = new StreamHub({ metrics, log: log.child({ component: 'stream' }) });
  const throughput = new Throughput(clock);
  cleanups.push(() => throughput.close());
  const adminContext: AdminContext = {
    view,
    running: () => running,
    managed: {
      origin: (kind, name) => live.origin(kind, name),
      objects: () => live.managed,
      file: () => live.file,
      change: async (edits, entry) => {
        apply(await live.change(edits, () => store.managed.apply(edits, entry)));
      },
    },
    dispatcher,
    store,
    backlog,
    stream,
    throughput,
    clock,
    userAgent,
    log: log.child({ component: 'admin' }),
  };
  await ownership.start();
  // Endpoints and routes changed through another relay sharing the store become this relay's too.
  const managedSync = new ManagedSync({
    managed: store.managed,
    live,
    apply,
    log: log.child({ component: 'managed' }),
    failures,
    every: store.cluster.renewEvery,
  });
  managedSync.start();
  cleanups.push(() => managedSync.stop());
  metrics.observeLanes(
    () => dispatcher.laneSnapshots(),
    async () => {
      const now = clock.now();
      const oldest = await store.oldestUnfinished([...backlog.endpoints()]);
      return new Map([...oldest].map(([name, at]) => [name, Math.max(0, now - at)]));
    },
  );

  let phase: 'running' | 'draining' | 'stopped' = 'running';
  const ingest = await listen(
    initial.listen.ingest,
    {
      maxConnections: initial.limits.max_connections,
      headerTimeoutMs: initial.limits.header_timeout,
      requestTimeoutMs: initial.limits.request_timeout,
    },
    createIngestHandler({
      view,
      accepting: () => phase !== 'stopped',
      store,
      backlog,
      metrics,
      clock,
      log: log.child({ component: 'ingest' }),
      dispatch: dispatcher.handoff,
    }),
  );
  cleanups.push(() => ingest.close());
  const notReadyReason = async () => {
    if (phase !== 'running') return 'shutting down';
    const reason = await store.writable();
    if (reason === undefined) failures.recovered('readiness');
    else failures.report('readiness', reason);
    return reason;
  };
  metrics.observeHealth({
    ready: async () => (await notReadyReason()) === undefined,
    diskFreeBytes: () => store.freeDisk(),
    minFreeDiskBytes: () => view().config.limits.min_free_disk,
  });
  const admin = await listen(
    initial.listen.admin,
    { headerTimeoutMs: initial.limits.header_timeout, requestTimeoutMs: initial.limits.request_timeout },
    createAdminHandler({
      metrics,
      log: adminContext.log,
      notReadyReason,
      loopback: isLoopback(initial.listen.admin.host),
      adminConfig: () => view().config.admin,
      api: adminContext,
    }),
  );
  cleanups.push(() => admin.close());
  // Before the admin listener closes: open streams would keep it waiting for its deadline.
  cleanups.push(() => stream.close());

  const pruner = new Pruner({
    store,
    clock,
    log: log.child({ component: 'retention' }),
    failures,
    retention: () => view().config.storage.retention,
  });
  cleanups.push(() => pruner.stop());

  /** A new running config: new events route by it, each endpoint's next attempt uses it. */
  function apply(config: RelayConfig): void {
    const removed = Object.keys(view().config.endpoints).filter(
      (name) => !Object.hasOwn(config.endpoints, name),
    );
    parts.setView(viewOf(config));
    running = runningConfig(config, clock.now(), live.file);
    dispatcher.reload(config);
    // A new endpoint finds its owner now rather than at the next renewal.
    void ownership.renew();
    for (const name of removed) {
      metrics
        .forgetEndpoint(name)
        .catch((error: unknown) => log.warn({ err: error, endpoint: name }, 'could not drop metric series'));
    }
  }

  let closing: Promise<void> | undefined;
  return {
    ingestUrl: urlOf(ingest.address),
    adminUrl: urlOf(admin.address),
    metrics,
    reload(file) {
      const config = live.withFile(file);
      refuseRestartOnlyChanges(view().config, config);
      live.adoptFile(file, config);
      apply(config);
    },
    wake() {
      dispatcher.wake();
      // After a clock jump the leases, kept in that clock, may look run out: renewing wakes their lanes.
      void ownership.renew();
    },
    pruneNow() {
      return pruner.pruneNow();
    },
    close() {
      closing ??= (async () => {
        phase = 'draining';
        const drain = view().config.delivery.drain_delay;
        if (drain > 0) await new Promise((resolve) => setTimeout(resolve, drain));
        phase = 'stopped';
        dispatcher.halt();
        await ingest.close();
        pruner.stop();
        await dispatcher.stop(view().config.delivery.shutdown_grace);
        // The minute's grouped dead reports are stored now rather than lost with their timers.
        opsEvents.flush();
        await runAll(cleanups.reverse(), log);
        log.info('relay stopped');
      })();
      return closing;
    },
  };
}

/** Runs every cleanup step even if one fails. */
async function runAll(steps: (() => void | Promise<void>)[], log: Logger): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      // Keep going: a failed step must not leave the database open or the lock held.
      log.warn({ err: error }, 'a step of stopping relay failed');
    }
  }
}

import pkg from '../package.json' with { type: 'json' };
import { isLoopback } from './admin/guard.ts';
import { createAdminHandler } from './admin/server.ts';
import { type Clock, systemClock } from './clock.ts';
import type { RelayConfig } from './config/schema.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { Ownership } from './dispatch/ownership.ts';
import { listen, urlOf } from './http/listener.ts';
import { OPS_EVENT_TYPES, OperationalEvents, RELAY_SOURCE } from './ingest/relay-source.ts';
import { createIngestHandler, type IngestView } from './ingest/server.ts';
import { UNKNOWN_TYPE } from './ingest/source.ts';
import { BackgroundFailures, createLogger, type Logger } from './log.ts';
import { type LaneSnapshot, RelayMetrics } from './metrics.ts';
import { RoutingTable } from './routing/match.ts';
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
  /** Applies a new, already validated config: new events, and each endpoint's next attempt. */
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
    return await assemble(
      { store, metrics, clock, log, view: () => view, setView: (v) => (view = v) },
      cleanups,
    );
  } catch (error) {
    await runAll(cleanups.reverse(), log);
    throw error;
  }
}

interface Parts {
  store: Store;
  metrics: RelayMetrics;
  clock: Clock;
  log: Logger;
  view: () => IngestView;
  setView: (view: IngestView) => void;
}

async function assemble(parts: Parts, cleanups: (() => void | Promise<void>)[]): Promise<Relay> {
  const { store, metrics, clock, log, view } = parts;
  const initial = view().config;
  const failures = new BackgroundFailures(log, (task) => metrics.backgroundErrors.inc({ task }));
  // Whatever was in flight when the last process stopped is sent again (at-least-once).
  const recovered = await store.recover(clock.now());
  if (recovered > 0) log.info({ recovered }, 'in-flight deliveries of the last run returned to pending');
  const backlog = new Backlog(await store.unfinishedCounts());
  const userAgent = `relay/${pkg.version}`;
  const opsEvents = new OperationalEvents({
    routing: () => view().routing,
    store,
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
    onDisabled: (endpoint, status) => opsEvents.endpointDisabled(endpoint, status),
    onDead: (endpoint, dead) => opsEvents.deliveryDead(endpoint, dead),
    onRecovered: (endpoint) => opsEvents.endpointRecovered(endpoint),
  });
  cleanups.push(() => dispatcher.stop(0));
  await ownership.start();
  metrics.observeLanes(
    () => laneSnapshots(dispatcher, backlog),
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
      added: (endpoint) => dispatcher.added(endpoint),
    }),
  );
  cleanups.push(() => ingest.close());
  const adminLog = log.child({ component: 'admin' });
  const admin = await listen(
    initial.listen.admin,
    {},
    createAdminHandler({
      metrics,
      log: adminLog,
      notReadyReason: async () => {
        if (phase !== 'running') return 'shutting down';
        const reason = await store.writable();
        if (reason === undefined) failures.recovered('readiness');
        else failures.report('readiness', reason);
        return reason;
      },
      loopback: isLoopback(initial.listen.admin.host),
      token: () => view().config.admin.token,
      api: { view, dispatcher, store, backlog, clock, userAgent, log: adminLog },
    }),
  );
  cleanups.push(() => admin.close());

  const pruner = new Pruner({
    store,
    clock,
    log: log.child({ component: 'retention' }),
    failures,
    retention: () => view().config.storage.retention,
  });
  cleanups.push(() => pruner.stop());

  let closing: Promise<void> | undefined;
  return {
    ingestUrl: urlOf(ingest.address),
    adminUrl: urlOf(admin.address),
    metrics,
    reload(config) {
      const removed = Object.keys(view().config.endpoints).filter(
        (name) => !Object.hasOwn(config.endpoints, name),
      );
      if (!sameStartupSettings(view().config, config)) {
        log.warn('listen and storage settings changed: they apply at the next restart');
      }
      parts.setView(viewOf(config));
      dispatcher.reload(config);
      // A new endpoint finds its owner now rather than at the next renewal.
      void ownership.renew();
      for (const name of removed) {
        metrics
          .forgetEndpoint(name)
          .catch((error: unknown) =>
            log.warn({ err: error, endpoint: name }, 'could not drop metric series'),
          );
      }
    },
    wake() {
      dispatcher.wake();
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

/**
 * Every lane, and every endpoint with unfinished deliveries but no lane (an
 * endpoint a restart's config no longer names): held, so its backlog still
 * shows in the queue gauges.
 */
function laneSnapshots(dispatcher: Dispatcher, backlog: Backlog): LaneSnapshot[] {
  const snapshots: LaneSnapshot[] = [];
  for (const lane of dispatcher.allLanes()) {
    snapshots.push({
      endpoint: lane.name,
      ...dispatcher.queueCounts(lane.name),
      state: lane.state,
      circuitOpen: lane.circuit.state !== 'closed',
      held: lane.removed,
    });
  }
  for (const endpoint of backlog.endpoints()) {
    if (dispatcher.lane(endpoint)) continue;
    snapshots.push({
      endpoint,
      ...dispatcher.queueCounts(endpoint),
      state: 'active',
      circuitOpen: false,
      held: true,
    });
  }
  return snapshots;
}

function viewOf(config: RelayConfig): IngestView {
  return {
    config,
    routing: new RoutingTable(config.routes, [...Object.keys(config.sources), RELAY_SOURCE]),
    knownTypes: typesNamedBy(config),
  };
}

/** Settings bound when relay starts (sockets, the database), which a reload cannot change. */
function sameStartupSettings(a: RelayConfig, b: RelayConfig): boolean {
  return JSON.stringify(startupSettings(a)) === JSON.stringify(startupSettings(b));
}

function startupSettings({ listen, storage, cluster }: RelayConfig) {
  const { backend, path, durability, url, pool } = storage;
  return [listen, backend, path, durability, url, pool, cluster.instance];
}

/** The types a config names anywhere; the bound on the `type` metric label. */
function typesNamedBy(config: RelayConfig): Set<string> {
  const types = new Set<string>([UNKNOWN_TYPE, ...OPS_EVENT_TYPES]);
  for (const route of config.routes) {
    if (route.types !== '*') for (const type of route.types) types.add(type);
  }
  for (const source of Object.values(config.sources)) {
    const rule = source.type;
    if (rule.kind === 'constant') types.add(rule.value);
    if (rule.kind === 'field') {
      for (const type of Object.values(rule.map)) types.add(type);
      if (rule.default !== undefined) types.add(rule.default);
    }
  }
  return types;
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

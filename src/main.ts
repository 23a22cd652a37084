import pkg from '../package.json' with { type: 'json' };
import { isLoopback } from './admin/guard.ts';
import { createAdminHandler } from './admin/server.ts';
import { type Clock, systemClock } from './clock.ts';
import { refuseRestartOnlyChanges } from './config/restart-only.ts';
import { runningConfig } from './config/running.ts';
import type { RelayConfig } from './config/schema.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { listen, urlOf } from './http/listener.ts';
import { OPS_EVENT_TYPES, OperationalEvents, RELAY_SOURCE } from './ingest/relay-source.ts';
import { createIngestHandler, type IngestView } from './ingest/server.ts';
import { UNKNOWN_TYPE } from './ingest/source.ts';
import { createLogger, type Logger } from './log.ts';
import { RelayMetrics } from './metrics.ts';
import { RoutingTable } from './routing/match.ts';
import { Backlog } from './store/backlog.ts';
import { Retention } from './store/pruner.ts';
import { type Db, openDatabase } from './store/sqlite/db.ts';
import { DeliveryStore } from './store/sqlite/deliveries.ts';
import { DiskSpace } from './store/sqlite/disk.ts';
import { Outbox } from './store/sqlite/events.ts';
import { GroupCommit } from './store/sqlite/group-commit.ts';
import { acquireDatabaseLock } from './store/sqlite/lock.ts';
import { migrate } from './store/sqlite/migrate.ts';
import { AdminWrites } from './store/sqlite/operator.ts';
import type { PruneResult } from './store/sqlite/prune.ts';
import { RetentionStore } from './store/sqlite/prune.ts';
import { AdminQueries } from './store/sqlite/reads.ts';

export interface RelayOptions {
  clock?: Clock;
  log?: Logger;
  /** A loaded better-sqlite3 addon, for the single executable. */
  nativeBinding?: object;
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
  const lock = acquireDatabaseLock(initial.storage.path, options.nativeBinding);
  const cleanups: (() => void | Promise<void>)[] = [() => lock.release()];
  try {
    return await assemble(initial, clock, log, options, cleanups);
  } catch (error) {
    await runAll(cleanups.reverse());
    throw error;
  }
}

async function assemble(
  initial: RelayConfig,
  clock: Clock,
  log: Logger,
  options: RelayOptions,
  cleanups: (() => void | Promise<void>)[],
): Promise<Relay> {
  const db = openDatabase({
    path: initial.storage.path,
    durability: initial.storage.durability,
    maxSize: initial.storage.max_size,
    nativeBinding: options.nativeBinding,
  });
  cleanups.push(() => {
    db.close();
  });
  migrate(db);

  const metrics = new RelayMetrics();
  const outbox = new Outbox(db);
  const backlog = Backlog.load(db);
  const disk = new DiskSpace(initial.storage.path);
  cleanups.push(() => disk.stop());
  const groupCommit = new GroupCommit(db, initial.storage.durability, (size) => {
    metrics.storeCommits.inc();
    metrics.storeCommittedItems.inc(size);
  });
  const deliveries = new DeliveryStore(db);
  // Whatever was in flight when the last process stopped is sent again (at-least-once).
  const recovered = deliveries.recoverInFlight();
  if (recovered > 0) log.info({ recovered }, 'in-flight deliveries of the last run returned to pending');
  let view = viewOf(initial);
  let running = runningConfig(initial, clock.now());
  const opsEvents = new OperationalEvents({
    routing: () => view.routing,
    outbox,
    groupCommit,
    clock,
    log: log.child({ component: 'ops-events' }),
    added: (endpoint) => dispatcher.added(endpoint),
  });
  const dispatcher = new Dispatcher(initial, {
    store: deliveries,
    groupCommit,
    backlog,
    metrics,
    clock,
    log: log.child({ component: 'dispatch' }),
    userAgent: `relay/${pkg.version}`,
    onDisabled: (endpoint, status) => opsEvents.endpointDisabled(endpoint, status),
    onDead: (endpoint, dead) => opsEvents.deliveryDead(endpoint, dead),
    onRecovered: (endpoint) => opsEvents.endpointRecovered(endpoint),
  });
  cleanups.push(() => dispatcher.stop(0));
  metrics.observeLanes(() =>
    [...dispatcher.allLanes()].map((lane) => {
      const queue = dispatcher.queueOf(lane.name);
      return {
        endpoint: lane.name,
        pending: queue.pending,
        inFlight: queue.inFlight,
        oldestPendingSeconds: (queue.oldestAgeMs ?? 0) / 1000,
        state: lane.state,
        circuitOpen: lane.circuit.state !== 'closed',
        held: lane.removed,
      };
    }),
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
      view: () => view,
      accepting: () => phase !== 'stopped',
      outbox,
      groupCommit,
      backlog,
      disk,
      metrics,
      clock,
      log: log.child({ component: 'ingest' }),
      added: (endpoint) => dispatcher.added(endpoint),
    }),
  );
  cleanups.push(() => ingest.close());
  const writable = writableProbe(db);
  const notReadyReason = () => (phase !== 'running' ? 'shutting down' : writable());
  metrics.observeHealth({
    ready: () => notReadyReason() === undefined,
    diskFreeBytes: () => disk.free,
    minFreeDiskBytes: () => view.config.limits.min_free_disk,
  });
  const adminLog = log.child({ component: 'admin' });
  const admin = await listen(
    initial.listen.admin,
    { headerTimeoutMs: initial.limits.header_timeout, requestTimeoutMs: initial.limits.request_timeout },
    createAdminHandler({
      metrics,
      log: adminLog,
      notReadyReason,
      loopback: isLoopback(initial.listen.admin.host),
      token: () => view.config.admin.token,
      api: {
        view: () => view,
        running: () => running,
        dispatcher,
        outbox,
        queries: new AdminQueries(db),
        writes: new AdminWrites(db),
        backlog,
        groupCommit,
        clock,
        userAgent: `relay/${pkg.version}`,
        log: adminLog,
      },
    }),
  );
  cleanups.push(() => admin.close());

  const retention = new Retention({
    store: new RetentionStore(db),
    groupCommit,
    clock,
    log: log.child({ component: 'retention' }),
    retention: () => view.config.storage.retention,
  });
  cleanups.push(() => retention.stop());

  let closing: Promise<void> | undefined;
  return {
    ingestUrl: urlOf(ingest.address),
    adminUrl: urlOf(admin.address),
    metrics,
    reload(config) {
      const removed = Object.keys(view.config.endpoints).filter(
        (name) => !Object.hasOwn(config.endpoints, name),
      );
      refuseRestartOnlyChanges(view.config, config);
      view = viewOf(config);
      running = runningConfig(config, clock.now());
      dispatcher.reload(config);
      for (const name of removed) void metrics.forgetEndpoint(name);
    },
    wake() {
      dispatcher.wake();
    },
    pruneNow() {
      return retention.pruneNow();
    },
    close() {
      closing ??= (async () => {
        phase = 'draining';
        const drain = view.config.delivery.drain_delay;
        if (drain > 0) await new Promise((resolve) => setTimeout(resolve, drain));
        phase = 'stopped';
        await ingest.close();
        retention.stop();
        await dispatcher.stop(view.config.delivery.shutdown_grace);
        // The minute's grouped dead reports are stored now rather than lost with their timers.
        opsEvents.flush();
        groupCommit.flush();
        await runAll(cleanups.reverse());
        log.info('relay stopped');
      })();
      return closing;
    },
  };
}

function viewOf(config: RelayConfig): IngestView {
  return {
    config,
    routing: new RoutingTable(config.routes, [...Object.keys(config.sources), RELAY_SOURCE]),
    knownTypes: typesNamedBy(config),
  };
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

/** Readiness: can this connection take the write lock right now? */
function writableProbe(db: Db): () => string | undefined {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const rollback = db.prepare('ROLLBACK');
  return () => {
    try {
      begin.run();
      rollback.run();
      return undefined;
    } catch (error) {
      return `database not writable: ${(error as Error).message}`;
    }
  };
}

/** Runs every cleanup step even if one fails. */
async function runAll(steps: (() => void | Promise<void>)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch {
      // Keep going: a failed step must not leave the database open or the lock held.
    }
  }
}

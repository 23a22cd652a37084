import type { Clock } from '../clock.ts';
import type { ManagedEdit } from '../config/live.ts';
import type { ManagedSpec, Origin } from '../config/managed.ts';
import type { RunningConfig } from '../config/running.ts';
import type { EndpointConfig, RelayConfig } from '../config/schema.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { RelayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RoutingTable } from '../routing/match.ts';
import type { Backlog } from '../store/backlog.ts';
import type { AuditEntry, Store } from '../store/store.ts';
import type { StreamHub } from './stream.ts';
import type { Throughput } from './throughput.ts';

/** Endpoints and routes made through the admin API. */
export interface ManagedControl {
  origin(kind: 'endpoint' | 'route', name: string): Origin;
  objects(): readonly ManagedSpec[];
  /** The file's own config, which managed objects are added to. */
  file(): RelayConfig;
  /**
   * Validates the running config with `edits` applied, stores them with the
   * audit entry in one transaction, then applies the result. A ConfigError
   * lists every problem; then nothing was stored or applied.
   */
  change(edits: readonly ManagedEdit[], entry: AuditEntry): Promise<void>;
}

/** What the admin API may ask of the dispatcher. */
export type DispatchControl = Pick<Dispatcher, 'added' | 'changeState' | 'queueCounts' | 'lane'>;

/** What the /admin/* resources need of the running relay. */
export interface AdminContext {
  /** The running config and its routing table; swapped whole on reload. */
  view(): { config: RelayConfig; routing: RoutingTable };
  /** The running config with its fingerprint and load time. */
  running(): RunningConfig;
  managed: ManagedControl;
  dispatcher: DispatchControl;
  store: Store;
  /** In-memory unfinished counts: moves and drops take theirs off (additions go through the dispatcher). */
  backlog: Backlog;
  /** The readers of GET /admin/stream. */
  stream: Pick<StreamHub, 'open'>;
  /** Delivered and failed attempts per minute, for the dashboard's chart. */
  throughput: Throughput;
  clock: Clock;
  userAgent: string;
  log: Logger;
}

/** The configured endpoint of that name, or a 404. */
export function configuredEndpoint(ctx: AdminContext, name: string): EndpointConfig {
  const endpoints = ctx.view().config.endpoints;
  const endpoint = Object.hasOwn(endpoints, name) ? endpoints[name] : undefined;
  if (!endpoint) throw new RelayError('RELAY_ERR_NOT_FOUND', `no endpoint named '${name}' in the config`);
  return endpoint;
}

export function isConfigured(ctx: AdminContext, name: string): boolean {
  return Object.hasOwn(ctx.view().config.endpoints, name);
}

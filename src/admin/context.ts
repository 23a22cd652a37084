import type { Clock } from '../clock.ts';
import type { RunningConfig } from '../config/running.ts';
import type { EndpointConfig, RelayConfig } from '../config/schema.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { RelayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { RoutingTable } from '../routing/match.ts';
import type { Backlog } from '../store/backlog.ts';
import type { Store } from '../store/store.ts';

/** What the admin API may ask of the dispatcher. */
export type DispatchControl = Pick<Dispatcher, 'added' | 'changeState' | 'queueCounts' | 'lane'>;

/** What the /admin/* resources need of the running relay. */
export interface AdminContext {
  /** The running config and its routing table; swapped whole on reload. */
  view(): { config: RelayConfig; routing: RoutingTable };
  /** The running config with its fingerprint and load time. */
  running(): RunningConfig;
  dispatcher: DispatchControl;
  store: Store;
  /** In-memory unfinished counts: moves and drops take theirs off (additions go through the dispatcher). */
  backlog: Backlog;
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

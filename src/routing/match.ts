import type { RouteConfig } from '../config/schema.ts';
import { matchesFilter } from './filter.ts';

export interface RoutableEvent {
  source: string;
  type: string;
  /** The parsed body (JSON or form), or undefined for opaque bodies. */
  payload: unknown;
}

/**
 * The routes of one config, indexed by source once so that matching an event
 * only looks at the routes that can apply to it.
 */
export class RoutingTable {
  private readonly bySource = new Map<string, readonly RouteConfig[]>();
  private readonly anySource: readonly RouteConfig[];

  constructor(routes: readonly RouteConfig[], sources: Iterable<string>) {
    this.anySource = routes.filter((route) => route.from === '*');
    for (const source of sources) {
      this.bySource.set(
        source,
        routes.filter((route) => route.from === '*' || route.from.includes(source)),
      );
    }
  }

  /** Every endpoint a matching route names, each once, in route order. */
  endpointsFor(event: RoutableEvent): string[] {
    const endpoints: string[] = [];
    for (const route of this.bySource.get(event.source) ?? this.anySource) {
      if (route.types !== '*' && !route.types.includes(event.type)) continue;
      if (!matchesFilter(route.filter, event.payload)) continue;
      for (const endpoint of route.to) {
        if (!endpoints.includes(endpoint)) endpoints.push(endpoint);
      }
    }
    return endpoints;
  }
}

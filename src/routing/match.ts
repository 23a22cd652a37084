import type { RouteConfig } from '../config/schema.ts';
import { valueAt } from './field-path.ts';
import { matchesFilter } from './filter.ts';

export interface RoutableEvent {
  source: string;
  type: string;
  /** The parsed body (JSON or form), or undefined for opaque bodies. */
  payload: unknown;
}

/** A matching route with a threshold: its endpoints get the event only once the key's count reaches `count`. */
export interface Gate {
  route: string;
  /** The key's value in this event, or undefined when the event lacks it (then it is never counted). */
  key: string | undefined;
  count: number;
  within: number;
  once: boolean;
  endpoints: string[];
}

/** Where an event goes: endpoints at once, and those behind a threshold. */
export interface RoutePlan {
  endpoints: string[];
  gates: Gate[];
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

  /** Every endpoint a matching route names, each once, in route order (thresholds aside). */
  endpointsFor(event: RoutableEvent): string[] {
    const endpoints: string[] = [];
    for (const route of this.matching(event)) addAll(endpoints, route.to);
    return endpoints;
  }

  /**
   * Ingest's view: endpoints of routes without a threshold get the event at
   * once; each matching route with one is a gate the store decides on, in
   * the event's own transaction, from the counts it keeps.
   */
  plan(event: RoutableEvent): RoutePlan {
    const endpoints: string[] = [];
    const gates: Gate[] = [];
    for (const route of this.matching(event)) {
      const threshold = route.threshold;
      if (!threshold) {
        addAll(endpoints, route.to);
        continue;
      }
      gates.push({
        route: route.name,
        key: keyOf(valueAt(event.payload, threshold.key)),
        count: threshold.count,
        within: threshold.within,
        once: threshold.once,
        endpoints: [...route.to],
      });
    }
    return { endpoints, gates };
  }

  private *matching(event: RoutableEvent): Iterable<RouteConfig> {
    for (const route of this.bySource.get(event.source) ?? this.anySource) {
      if (route.types !== '*' && !route.types.includes(event.type)) continue;
      if (matchesFilter(route.filter, event.payload)) yield route;
    }
  }
}

function addAll(into: string[], names: readonly string[]): void {
  for (const name of names) if (!into.includes(name)) into.push(name);
}

/** A scalar key value as text; anything else (absent, an object) counts as no key. */
function keyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

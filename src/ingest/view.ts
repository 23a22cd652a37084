import { PRESETS } from '../config/presets/index.ts';
import type { RelayConfig } from '../config/schema.ts';
import { RoutingTable } from '../routing/match.ts';
import { OPS_EVENT_TYPES, RELAY_SOURCE } from './relay-source.ts';
import type { IngestView } from './server.ts';
import { UNKNOWN_TYPE } from './source.ts';

/** What ingest needs of a config: built once per config, swapped whole on reload. */
export function viewOf(config: RelayConfig): IngestView {
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
    const rule = source.type.kind === 'path' ? source.type.fallback : source.type;
    if (rule?.kind === 'constant') types.add(rule.value);
    if (rule?.kind === 'field') {
      for (const type of Object.values(rule.map)) types.add(type);
      if (rule.default !== undefined) types.add(rule.default);
    }
    if (source.preset) for (const type of Object.keys(PRESETS[source.preset].types)) types.add(type);
  }
  return types;
}

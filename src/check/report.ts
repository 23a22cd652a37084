import { sourcesSection } from '../config/render-source.ts';
import { configFingerprint } from '../config/running.ts';
import type { EndpointConfig, RelayConfig } from '../config/schema.ts';
import { redactUrl } from '../http/redact-url.ts';
import type { Findings } from './findings.ts';

/**
 * The routing table as `relay check` prints it: for each source, the types a
 * route takes and where they go, then each endpoint, then what deserves a
 * look (private targets, held backlogs). Never prints a secret.
 */
export function describeConfig(config: RelayConfig, findings: Findings): string {
  const lines: string[] = [];
  const sources = [...Object.keys(config.sources), 'relay'];
  lines.push(
    `config OK: ${Object.keys(config.sources).length} sources, ${Object.keys(config.endpoints).length} endpoints, ${config.routes.length} routes`,
    // The same digest a running relay shows in /readyz: equal means this file is what runs.
    `fingerprint: ${configFingerprint(config)}`,
    '',
    'routing (source × types → endpoints):',
  );
  const rows: string[][] = [];
  for (const source of sources) {
    for (const route of config.routes) {
      if (route.from !== '*' && !route.from.includes(source)) continue;
      const types = route.types === '*' ? '*' : route.types.join(', ');
      const filter = route.filter ? ` if ${Object.keys(route.filter).join(', ')}` : '';
      rows.push([source, types, `→ ${route.to.join(', ')}`, `(route ${route.name}${filter})`]);
    }
    if (source !== 'relay' && !rows.some((row) => row[0] === source)) {
      rows.push([source, '*', '→ (nothing: events are stored, 0 deliveries)', '']);
    }
  }
  lines.push(...table(rows));
  lines.push('', 'endpoints:');
  lines.push(
    ...table(
      Object.values(config.endpoints).map((endpoint) => [
        endpoint.name,
        redactUrl(endpoint.url),
        traits(endpoint),
      ]),
    ),
  );
  lines.push(...sourcesSection(config.sources));
  if (findings.privateTargets.length > 0) {
    const policy = config.delivery.deny_private ? 'refused: delivery.deny_private is on' : 'allowed';
    lines.push('', `endpoints on loopback/private/link-local addresses (${policy}):`);
    lines.push(...table(findings.privateTargets.map((p) => [p.endpoint, p.addresses.join(', ')])));
  }
  if (findings.unresolved.length > 0) {
    lines.push('', 'endpoints whose host does not resolve now:');
    lines.push(...table(findings.unresolved.map((u) => [u.endpoint, u.reason])));
  }
  if (findings.heldBacklogs.length > 0) {
    lines.push('', 'stored backlogs of endpoints this file does not name (held, not delivered):');
    lines.push(...table(findings.heldBacklogs.map((h) => [h.endpoint, `${h.deliveries} deliveries`])));
  }
  if (findings.database !== undefined) {
    const where =
      config.storage.backend === 'postgres' ? redactUrl(config.storage.url!) : config.storage.path;
    lines.push('', `database ${where} cannot be read (relay would not start):`, `  ${findings.database}`);
  }
  return lines.join('\n');
}

function traits(endpoint: EndpointConfig): string {
  const parts = [`concurrency ${endpoint.concurrency}`, `timeout ${endpoint.timeout}ms`];
  if (endpoint.rate_limit) parts.push(`rate ${endpoint.rate_limit.perSecond}/s`);
  if (endpoint.email) {
    const tls = endpoint.email.tls === 'required' ? ', TLS required' : '';
    parts.push(`e-mail via ${redactUrl(endpoint.email.smtp)}${tls}`);
  } else {
    parts.push(endpoint.signing ? `signed ${endpoint.signing.scheme}` : 'unsigned');
  }
  return parts.join(', ');
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { RelayConfig } from '../config/schema.ts';
import { isPrivateAddress } from '../dispatch/address-policy.ts';

export interface Findings {
  /** Endpoints whose host is, or resolves to, a non-public address; with what it resolved to. */
  privateTargets: { endpoint: string; addresses: string[] }[];
  /** Hosts that could not be resolved now (relay will keep trying at delivery time). */
  unresolved: { endpoint: string; reason: string }[];
  /** Unfinished deliveries stored for endpoints this config does not name (held until it does). */
  heldBacklogs: { endpoint: string; deliveries: number }[];
  /** Why the database could not be read (unreachable, login refused), if it could not. */
  database: string | undefined;
}

const LOOKUP_TIMEOUT_MS = 2_000;

/**
 * What `relay check` reports beyond validity: targets on private networks
 * (allowed unless `delivery.deny_private`, but worth knowing) and stored
 * backlogs the file would orphan.
 */
export async function inspectConfig(
  config: RelayConfig,
  unfinished: Map<string, number> | undefined,
  database?: string,
): Promise<Findings> {
  const findings: Findings = { privateTargets: [], unresolved: [], heldBacklogs: [], database };
  await Promise.all(
    Object.values(config.endpoints).map(async (endpoint) => {
      const host = new URL(endpoint.email?.smtp ?? endpoint.url).hostname.replace(/^\[|\]$/g, '');
      try {
        const addresses = isIP(host) ? [host] : await resolveWithin(host, LOOKUP_TIMEOUT_MS);
        const privates = addresses.filter(isPrivateAddress);
        if (privates.length > 0)
          findings.privateTargets.push({ endpoint: endpoint.name, addresses: privates });
      } catch (error) {
        findings.unresolved.push({ endpoint: endpoint.name, reason: (error as Error).message });
      }
    }),
  );
  for (const [endpoint, deliveries] of unfinished ?? []) {
    if (!Object.hasOwn(config.endpoints, endpoint)) findings.heldBacklogs.push({ endpoint, deliveries });
  }
  const byName = (a: { endpoint: string }, b: { endpoint: string }) => a.endpoint.localeCompare(b.endpoint);
  findings.privateTargets.sort(byName);
  findings.unresolved.sort(byName);
  findings.heldBacklogs.sort(byName);
  return findings;
}

async function resolveWithin(host: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from DNS within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const results = await Promise.race([lookup(host, { all: true }), timeout]);
    return results.map((r) => r.address);
  } finally {
    clearTimeout(timer);
  }
}

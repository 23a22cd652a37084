/**
 * The relays of the cluster chaos run: each its own name, config and fixed
 * ports (so a restarted relay answers at the same address, as behind a load
 * balancer's list), all on one PostgreSQL database.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { agent, type Daemon, startDaemon, workDir } from './lib.ts';
import { SENDER_HEADER } from './spell-target.ts';

export interface EndpointPlan {
  name: string;
  concurrency: number;
}

export interface Member {
  name: string;
  config: string;
  ingestUrl: string;
  adminUrl: string;
  daemon: Daemon | undefined;
}

/** Every member process started, killed if this run ends early for any reason. */
const started = new Set<Daemon>();
process.once('exit', () => {
  for (const daemon of started) if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
});

export function memberConfig(
  name: string,
  ports: { ingest: number; admin: number },
  databaseUrl: string,
  targetUrl: string,
  endpoints: readonly EndpointPlan[],
  lease: string,
): string {
  const lines = endpoints.map(
    (e) =>
      `  ${e.name}: { url: "${targetUrl}/${e.name}", concurrency: ${e.concurrency}, headers: { ${SENDER_HEADER}: ${name} } }`,
  );
  const file = join(workDir(), 'relay.yaml');
  writeFileSync(
    file,
    `listen: { ingest: "127.0.0.1:${ports.ingest}", admin: "127.0.0.1:${ports.admin}" }
storage: { backend: postgres, url: "${databaseUrl}", pool: 4 }
cluster: { instance: ${name}, lease: ${lease} }
delivery: { shutdown_grace: 5s }
defaults:
  timeout: 2s
  # Longer in all than any spell of failures: nothing goes dead, so whatever is missing was lost.
  retry: { schedule: [100ms, 250ms, 500ms, 1s, 1s, 2s, 2s, 2s, 5s, 5s], jitter: 0.1 }
sources: { app: {} }
endpoints:
${lines.join('\n')}
routes: [{ from: [app], types: "*", to: [${endpoints.map((e) => e.name).join(', ')}] }]
`,
  );
  return file;
}

export async function startMember(member: Member): Promise<void> {
  member.daemon = await startDaemon(member.config);
  started.add(member.daemon);
  void member.daemon.exited.then(() => started.delete(member.daemon!));
}

async function adminGet<T>(member: Member, path: string): Promise<T> {
  const res = await request(`${member.adminUrl}${path}`, { dispatcher: agent });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`${member.name} ${path}: ${res.statusCode}`);
  }
  return (await res.body.json()) as T;
}

/** The endpoints `member` owns, as `/admin/endpoints` says. */
export async function ownedBy(member: Member): Promise<string[]> {
  const { endpoints } = await adminGet<{ endpoints: { name: string; owner: string | null }[] }>(
    member,
    '/admin/endpoints',
  );
  return endpoints.filter((e) => e.owner === member.name).map((e) => e.name);
}

/** Endpoints owned per member name, as `/admin/cluster` on `asked` says. */
export async function shares(asked: Member): Promise<Map<string, number>> {
  const { members } = await adminGet<{ members: { instance: string; endpoints_owned: number }[] }>(
    asked,
    '/admin/cluster',
  );
  return new Map(members.map((m) => [m.instance, m.endpoints_owned]));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

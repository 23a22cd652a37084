/**
 * relay under test: writes its config, starts it as its own process (the
 * single executable when it exists, else src/cli.ts on the pinned Node),
 * reads the addresses from its "relay started" log line, and stops it with
 * SIGTERM. Also prepares databases before a start (a paused endpoint, a
 * preloaded backlog).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUIDv7 } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../../src/store/sqlite/db.ts';
import { EventStatements } from '../../../src/store/sqlite/events.ts';
import type { NewEvent } from '../../../src/store/store.ts';
import { body } from './bodies.ts';
import { track } from './cleanup.ts';
import { memoryMiB } from './proc.ts';

export const root = resolve(import.meta.dirname, '../../..');
const executable = join(root, 'dist/relay');
const cli = join(root, 'src/cli.ts');

export interface EndpointSpec {
  name: string;
  url: string;
  concurrency?: number;
  timeout?: string;
  /** `ordering: { key: <this field> }`. */
  orderBy?: string;
}

export interface RouteSpec {
  types: string[] | '*';
  to: string[];
}

export interface RelaySpec {
  endpoints: EndpointSpec[];
  routes: RouteSpec[];
  durability?: 'full' | 'normal';
  retention?: string;
  /** On PostgreSQL instead of SQLite: the database, and this relay's name in the cluster. */
  postgres?: { url: string; instance: string } | undefined;
}

export interface RelayLaunch {
  /** The relay to run (`--relay`): an executable, or a cli.ts run on this Node. */
  relay: string | undefined;
  /** Run src/cli.ts even when dist/relay exists. */
  source: boolean;
  /** Run with --cpu-prof (from source only), writing profiles here. */
  profileDir: string | undefined;
  /** Where the single executable writes its SQLite addon (once for the whole run). */
  nativeDir: string;
}

/**
 * Which relay a run measures: `--relay` when given; else src/cli.ts with
 * --source or --profile (the executable ignores Node's flags) or when there
 * is no build; else dist/relay, with a note when src/ changed after it.
 */
export function relayBinary(launch: Omit<RelayLaunch, 'nativeDir'>): {
  kind: 'executable' | 'source';
  path: string;
  note: string | undefined;
} {
  if (launch.relay) {
    const path = resolve(launch.relay);
    const kind = path.endsWith('.ts') ? 'source' : 'executable';
    if (kind === 'executable' && launch.profileDir) {
      throw new Error('--profile needs relay run from source: --source, or --relay <dir>/src/cli.ts');
    }
    return { kind, path, note: undefined };
  }
  if (launch.profileDir || launch.source || !existsSync(executable)) {
    const why = launch.profileDir ? '--profile' : launch.source ? '--source' : 'dist/relay is not built';
    return { kind: 'source', path: cli, note: `the working tree's src/ (${why})` };
  }
  const built = statSync(executable).mtimeMs;
  const note =
    newestMtime(join(root, 'src')) > built
      ? 'dist/relay is older than src/: these figures are of the last build (npm run build:sea first, or --source)'
      : undefined;
  return { kind: 'executable', path: executable, note };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function relayYaml(spec: RelaySpec): string {
  const endpoints = spec.endpoints.map((e) => {
    const options = [`url: "${e.url}"`];
    if (e.concurrency !== undefined) options.push(`concurrency: ${e.concurrency}`);
    if (e.timeout !== undefined) options.push(`timeout: ${e.timeout}`);
    if (e.orderBy !== undefined) options.push(`ordering: { key: ${e.orderBy} }`);
    return `  ${e.name}: { ${options.join(', ')} }`;
  });
  const routes = spec.routes.map(
    (r) =>
      `  - { from: [app], types: ${r.types === '*' ? '"*"' : `[${r.types.join(', ')}]`}, to: [${r.to.join(', ')}] }`,
  );
  const retention = spec.retention ?? '7d';
  const storage = spec.postgres
    ? `storage: { backend: postgres, url: "${spec.postgres.url}", retention: ${retention} }
cluster: { instance: ${spec.postgres.instance} }`
    : `storage: { path: ./relay.db, durability: ${spec.durability ?? 'full'}, retention: ${retention} }`;
  return `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
${storage}
delivery: { shutdown_grace: 1s }
sources:
  app: { type: { field: type } }
endpoints:
${endpoints.join('\n')}
routes:
${routes.join('\n')}
`;
}

export class RelayProcess {
  readonly child: ChildProcess;
  readonly dir: string;
  ingestUrl = '';
  adminUrl = '';
  /** Warnings and errors relay logged, by message, with a count. */
  readonly warnings = new Map<string, number>();
  private stderr = '';

  private constructor(child: ChildProcess, dir: string) {
    this.child = child;
    this.dir = dir;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get dbPath(): string {
    return join(this.dir, 'relay.db');
  }

  /** Writes `dir/relay.yaml` and starts relay on it; resolves once it logged "relay started". */
  static async start(spec: RelaySpec, dir: string, launch: RelayLaunch): Promise<RelayProcess> {
    const config = join(dir, 'relay.yaml');
    writeFileSync(config, relayYaml(spec));
    const binary = relayBinary(launch);
    const args = ['--config', config];
    const child =
      binary.kind === 'executable'
        ? spawn(binary.path, args, {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, RELAY_NATIVE_DIR: launch.nativeDir },
          })
        : spawn(
            process.execPath,
            [
              ...(launch.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.profileDir}`] : []),
              binary.path,
              ...args,
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          );
    track(child);
    const relay = new RelayProcess(child, dir);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      relay.stderr = (relay.stderr + chunk).slice(-4000);
    });
    const started = new Promise<void>((resolveStarted, reject) => {
      const timer = setTimeout(() => reject(new Error('relay did not start within 60 s')), 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`relay exited with ${code} before it started: ${relay.stderr}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let entry: { msg?: string; level?: number; ingest?: string; admin?: string };
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        if (entry.msg === 'relay started') {
          relay.ingestUrl = entry.ingest!;
          relay.adminUrl = entry.admin!;
          clearTimeout(timer);
          resolveStarted();
        } else if ((entry.level ?? 0) >= 40 && entry.msg) {
          relay.warnings.set(entry.msg, (relay.warnings.get(entry.msg) ?? 0) + 1);
        }
      });
    });
    await started;
    child.removeAllListeners('exit');
    return relay;
  }

  memory(): { rss: number; peak: number } {
    return memoryMiB(this.pid);
  }

  /**
   * Pauses or resumes an endpoint through the admin API. False when this
   * relay has no such API (the caller then falls back to the database).
   */
  async endpoint(name: string, action: 'pause' | 'resume'): Promise<boolean> {
    try {
      const res = await fetch(`${this.adminUrl}/admin/endpoints/${name}/${action}`, { method: 'POST' });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  async metrics(): Promise<string> {
    const res = await fetch(`${this.adminUrl}/metrics`);
    return res.text();
  }

  /** SIGTERM, then SIGKILL if it has not exited within 30 s. Resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  }

  /** The warnings relay logged, for the report's notes. */
  warningNotes(): string[] {
    return [...this.warnings].map(([msg, n]) => `relay logged "${msg}" ×${n}`);
  }
}

/** relay's group-commit counters: transactions, and the work items (requests, claims, completions) in them. */
export function groupCommits(text: string): { commits: number; items: number } {
  return {
    commits: metricSum(text, 'relay_store_commits_total'),
    items: metricSum(text, 'relay_store_committed_items_total'),
  };
}

/** Sum of a Prometheus metric's samples whose labels contain every `match` pair. */
export function metricSum(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Lets relay create its own schema (so the database matches the binary under
 * test, whatever src/ holds now), then stops it. Returns nothing; the
 * database is at `dir/relay.db`.
 */
export async function createDatabase(spec: RelaySpec, dir: string, launch: RelayLaunch): Promise<void> {
  const relay = await RelayProcess.start(spec, dir, { ...launch, profileDir: undefined });
  await relay.stop();
}

/**
 * Sets endpoints' state in a stopped relay's database, as the admin API
 * would persist it (used when the relay under test has no admin API).
 */
export function setStateInDatabase(dbPath: string, names: string[], state: 'paused' | 'active'): void {
  const db = openDatabase({ path: dbPath });
  const upsert = db.prepare(
    `INSERT INTO endpoint_state (name, state, changed_at, reason) VALUES (?, ?, ?, 'benchmark')
     ON CONFLICT (name) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at`,
  );
  for (const name of names) upsert.run(name, state, Date.now());
  db.close();
}

/** Writes `count` events with one delivery each to `endpoint` straight into a stopped relay's database. */
/** Event `i` as ingest would store it: source `app`, a realistic body, one delivery to `endpoint`. */
export function storedEvent(i: number, endpoint: string, now: number): NewEvent {
  return {
    id: `evt_${randomUUIDv7()}`,
    source: 'app',
    type: 'receive',
    receivedAt: now,
    contentType: 'application/json',
    body: body(i, 'receive', now),
    endpoints: [endpoint],
    idempotency: undefined,
  };
}

export function preloadBacklog(dbPath: string, count: number, endpoint: string): void {
  const db = openDatabase({ path: dbPath });
  db.pragma('synchronous = OFF');
  const outbox = new EventStatements(db);
  const now = Date.now();
  const batch = 10_000;
  for (let start = 0; start < count; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(count, start + batch); i++) {
        outbox.enqueue(storedEvent(i, endpoint, now));
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  // Written without syncs, for speed: flushed now, as a backlog relay built up over time would have
  // it, not left for the kernel to write back while relay drains it (relay's checkpoints then sync
  // the database file behind the whole preload).
  const file = openSync(dbPath, 'r+');
  try {
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
}

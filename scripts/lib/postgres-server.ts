/**
 * A throwaway PostgreSQL server from the machine's own binaries
 * (/usr/lib/postgresql/N/bin, the newest N): initdb into a fresh temp dir,
 * listen on 127.0.0.1 at a free port and on a unix socket in that dir, stop
 * and remove everything on `stop()`. The one implementation behind the test
 * helper (test/helpers/postgres.ts) and the benchmarks (scripts/bench/).
 *
 * initdb and postgres refuse to run as root, so as root both run as the
 * unprivileged system user `relaytest` (created when missing) through
 * setpriv, which also asks the kernel to stop the server if the process that
 * started it dies without calling stop().
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VERSIONS_DIR = '/usr/lib/postgresql';
const DIR_PREFIX = 'relay-pg-';
const SERVER_USER = 'relaytest';
const SUPERUSER = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export class PostgresServerError extends Error {
  override name = 'PostgresServerError';
}

export interface PostgresServer {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres (SCRAM over TCP, as in production). */
  url: string;
  port: number;
  /** The unix socket's directory (trust auth there: the server's own admin path). */
  socketDir: string;
  /** The server's major version, e.g. 15. */
  version: number;
  /** The postmaster's pid (benchmarks read its backends' CPU time from /proc). */
  pid: number;
  /** Fast shutdown, then removes the data dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Off by default: tests and driver benchmarks measure the client, not this machine's disk. */
  fsync?: boolean;
}

/** The newest installed server's bin dir; throws, saying how to install one, when there is none. */
export function findPostgresBin(versionsDir = VERSIONS_DIR): { bin: string; version: number } {
  const versions = existsSync(versionsDir)
    ? readdirSync(versionsDir)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(versionsDir, name, 'bin/postgres')))
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new PostgresServerError(
      `no PostgreSQL server binaries in ${versionsDir}/*/bin: install them with ` +
        '`apt-get install postgresql` (Debian/Ubuntu; .ci/run does this), ' +
        'or point the tests at a running server with RELAY_TEST_POSTGRES_URL=postgres://user:pass@host:port/db',
    );
  }
  return { bin: join(versionsDir, String(newest), 'bin'), version: newest };
}

export async function startPostgresServer(options: StartOptions = {}): Promise<PostgresServer> {
  const { bin, version } = findPostgresBin();
  const owner = serverOwner();
  removeAbandonedDirs();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const password = randomBytes(18).toString('base64url');
    const data = join(dir, 'data');
    initdb(bin, owner, dir, data, password);
    // A free port can be taken between finding it and binding it (other workers share this
    // machine): postgres then exits at once, and another port is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        const child = await runServer(bin, owner, data, dir, port, options.fsync ?? false);
        return server(child, dir, port, password, version);
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt === 5) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A run killed before stop() leaves its dir behind (pdeathsig stops the server, which removes
 * its postmaster.pid). Such dirs are removed once old enough not to be another run's initdb.
 */
function removeAbandonedDirs(): void {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (statSync(dir).mtimeMs < cutoff && !existsSync(join(dir, 'data/postmaster.pid'))) {
        rmSync(dir, { recursive: true, force: true });
      }
    } catch {
      // Removed by another run meanwhile.
    }
  }
}

interface Owner {
  uid: number;
  gid: number;
}

/** Undefined when not root: the server then runs as whoever runs the tests. */
function serverOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  // Several test runs may start at once on a fresh machine: one useradd wins, the others see the user.
  for (let attempt = 1; ; attempt++) {
    const existing = lookupUser(SERVER_USER);
    if (existing) return existing;
    try {
      execFileSync(
        'useradd',
        [
          '--system',
          '--user-group',
          '--no-create-home',
          '--home-dir',
          '/nonexistent',
          '--shell',
          '/usr/sbin/nologin',
          SERVER_USER,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      if (attempt === 5) {
        const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
        throw new PostgresServerError(
          `could not create the system user ${SERVER_USER} to run postgres as (initdb refuses root): ${stderr ?? String(error)}`,
        );
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

function lookupUser(name: string): Owner | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    const gid = Number(execFileSync('id', ['-g', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** argv that runs `command` as the owner, and dies with this process (Linux pdeathsig). */
function asOwner(owner: Owner | undefined, command: string, args: string[]): [string, string[]] {
  const hasSetpriv = ['/usr/bin/setpriv', '/bin/setpriv'].some((path) => existsSync(path));
  if (!hasSetpriv) {
    if (owner) throw new PostgresServerError('running the test server as root needs setpriv (util-linux)');
    return [command, args];
  }
  const user = owner ? ['--reuid', String(owner.uid), '--regid', String(owner.gid), '--clear-groups'] : [];
  // SIGINT is postgres's fast shutdown: it ends the backends and exits.
  return ['setpriv', [...user, '--pdeathsig', 'INT', '--', command, ...args]];
}

function initdb(bin: string, owner: Owner | undefined, dir: string, data: string, password: string): void {
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const [command, args] = asOwner(owner, join(bin, 'initdb'), [
    '--pgdata',
    data,
    '--username',
    SUPERUSER,
    '--pwfile',
    pwfile,
    // Passwords over TCP, as a deployment has them (so a wrong one is refused); the socket is ours.
    '--auth-host',
    'scram-sha-256',
    '--auth-local',
    'trust',
    '--encoding',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new PostgresServerError(`initdb failed: ${stderr?.toString() ?? ''}${stdout?.toString() ?? ''}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

class PortTakenError extends PostgresServerError {}

async function runServer(
  bin: string,
  owner: Owner | undefined,
  data: string,
  socketDir: string,
  port: number,
  fsync: boolean,
): Promise<ChildProcess> {
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    fsync: fsync ? 'on' : 'off',
    full_page_writes: fsync ? 'on' : 'off',
    // Several relays per test, each with a pool, across parallel test files.
    max_connections: '300',
  };
  const flags = Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const [command, args] = asOwner(owner, join(bin, 'postgres'), ['-D', data, ...flags]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: socketDir });
  // The log is read to the end (a full pipe would stall the server); the tail explains a failure.
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new PostgresServerError(`postgres did not become ready in ${START_TIMEOUT_MS} ms:\n${log}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8_000);
      if (log.includes(READY)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const message = `postgres exited (${signal ?? code}) while starting:\n${log}`;
      reject(log.includes('could not bind') ? new PortTakenError(message) : new PostgresServerError(message));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new PostgresServerError(`could not run ${command}: ${error.message}`));
    });
  });
  await ready;
  return child;
}

function server(
  child: ChildProcess,
  dir: string,
  port: number,
  password: string,
  version: number,
): PostgresServer {
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = running() ? once(child, 'exit') : Promise.resolve();
  // A last resort when the process exits without stop() (setpriv's pdeathsig covers a crash).
  const onExit = () => child.kill('SIGQUIT');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (running()) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return {
    url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`,
    port,
    socketDir: dir,
    version,
    pid: child.pid!,
    stop,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Runs dist/relay the way a user would: copied alone into an empty directory,
 * with a PATH that holds no `node`, no node_modules anywhere above it, and a
 * NODE_OPTIONS that would break any Node that honoured it. Shared by
 * scripts/smoke.ts and scripts/startup-time.ts.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const root = resolve(import.meta.dirname, '../..');
export const builtExecutable = resolve(root, 'dist/relay');

export class StepError extends Error {}

export interface Isolated {
  dir: string;
  executable: string;
  env: Record<string, string>;
  /** Kills every process still running and removes the directory (unless RELAY_KEEP_TEMP=1). */
  cleanup(): void;
}

export function isolate(prefix: string, source = builtExecutable): Isolated {
  if (!existsSync(source)) throw new StepError(`${source} is missing: run \`npm run build:sea\` first`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (let up = dir; up !== dirname(up); up = dirname(up)) {
    if (existsSync(join(up, 'node_modules')))
      throw new StepError(`${up}/node_modules exists above the temp dir`);
  }
  const executable = join(dir, 'relay');
  copyFileSync(source, executable);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const env: Record<string, string> = {
    PATH: bin,
    HOME: dir,
    LANG: 'C.UTF-8',
    // execArgvExtension "none": the executable must ignore this (Node itself would fail to start).
    NODE_OPTIONS: `--require ${join(dir, 'hijack.cjs')}`,
  };
  for (const entry of env.PATH!.split(delimiter)) {
    if (existsSync(join(entry, 'node'))) throw new StepError(`PATH entry ${entry} holds a node`);
  }
  return {
    dir,
    executable,
    env,
    cleanup() {
      for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
      if (process.env.RELAY_KEEP_TEMP === '1') console.log(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

const running: ChildProcess[] = [];

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killing it after `timeoutMs`. */
export async function runToEnd(
  executable: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Finished> {
  const child = spawn(executable, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface Daemon {
  child: ChildProcess;
  ingestUrl: string;
  adminUrl: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `relay --config <file>` and resolves on its `relay started` log line. */
export async function startDaemon(
  executable: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Daemon> {
  const child = spawn(executable, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = once(child, 'exit').then(
    ([code]) => code as number | null,
    (error: Error) => {
      stderr += error.message;
      return null;
    },
  );
  const lines = createInterface({ input: child.stdout });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = await new Promise<{ ingest: string; admin: string }>((resolveStarted, reject) => {
    const timer = setTimeout(
      () => reject(new StepError(`no "relay started" line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    lines.on('line', (line) => {
      let entry: { msg?: string; ingest?: string; admin?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg === 'relay started' && entry.ingest && entry.admin) {
        clearTimeout(timer);
        resolveStarted({ ingest: entry.ingest, admin: entry.admin });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new StepError(`relay exited with ${code} before starting: ${stderr.trim()}`));
    });
  });
  return { child, ingestUrl: started.ingest, adminUrl: started.admin, stderr: () => stderr, exited };
}

/** SIGTERM, then the exit code; SIGKILL and an error past `timeoutMs`. */
export async function stopDaemon(daemon: Daemon, timeoutMs = 15_000): Promise<number | null> {
  daemon.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      daemon.child.kill('SIGKILL');
      reject(new StepError(`relay did not exit within ${timeoutMs} ms of SIGTERM`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([daemon.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A daemon config with one source, endpoint and route, as startup-time and the code-cache training start it. */
export const STARTUP_CONFIG = `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { path: ./data/relay.db }
sources:
  app: { type: { field: type } }
endpoints:
  sink: { url: "http://127.0.0.1:9/sink" }
routes:
  - { from: [app], types: "*", to: [sink] }
`;

/**
 * One GET on a fresh connection, through node:http: fetch sets up a pool for
 * each new origin (every start has a new port), 1-2 ms more per start that
 * startup-time would count as relay's.
 */
function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
    }).once('error', () => resolve(undefined));
  });
}

/** Resolves once the daemon's /readyz answers 200 (relay logs "relay started" once ready, so normally at once). */
export async function untilReady(daemon: Daemon, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await statusOf(`${daemon.adminUrl}/readyz`)) !== 200) {
    if (performance.now() > deadline)
      throw new StepError(`/readyz did not answer 200 within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent } from 'undici';
import { afterAll, afterEach } from 'vitest';
import { postEvent } from '../../scripts/lib/post-event.ts';
import { withLoopbackDefaults } from './loopback-config.ts';

const CLI = resolve(import.meta.dirname, '../../src/cli.ts');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `relay <args>` to completion (the real CLI, on this Node). */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/**
 * The ops CLI pointed at a running relay, keeping everything it printed (for
 * a test that no secret was), and an ingest of `{type, n}` events to `/in/app`.
 */
export function opsHarness(relay: RelayProcess, env: Record<string, string>) {
  const outputs: string[] = [];
  const cli = async (...args: string[]): Promise<CliResult> => {
    const result = await runCli([...args, '--admin', relay.adminUrl], env);
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const send = async (type: string, n = 0) => {
    const res = await fetch(`${relay.ingestUrl}/in/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type, n }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  return { cli, send, printed: () => outputs.join('\n') };
}

/**
 * Runs `script`, an ES module's text, on this Node, and resolves with the
 * child once it prints its first output (what it says it has done). A child
 * still running after the test is killed.
 */
export async function spawnScript(script: string): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, output: chunk.toString() };
}

export interface RelayProcess {
  child: ChildProcess;
  ingestUrl: string;
  adminUrl: string;
  /** Every log line seen so far (parsed JSON). */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Resolves with the first log line (from now on, or already seen) whose msg is `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts the daemon and resolves once it logs "relay started". */
export async function spawnRelay(args: string[], env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const listeners = new Set<(entry: Record<string, unknown>) => void>();
  lines.on('line', (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    logs.push(entry);
    for (const listener of listeners) listener(entry);
  });
  const waitForLog = (msg: string, timeoutMs = 15_000, from = logs.length) =>
    new Promise<Record<string, unknown>>((resolveLog, reject) => {
      const seen = logs.slice(from).find((entry) => entry.msg === msg);
      if (seen) return resolveLog(seen);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`relay did not log "${msg}" in time: ${stderr}`));
      }, timeoutMs);
      const listener = (entry: Record<string, unknown>) => {
        if (entry.msg !== msg) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolveLog(entry);
      };
      listeners.add(listener);
      exited.then((code) => reject(new Error(`relay exited with ${code}: ${stderr}`)));
    });
  const entry = await waitForLog('relay started', 15_000, 0);
  return {
    child,
    ingestUrl: entry.ingest as string,
    adminUrl: entry.admin as string,
    logs,
    exited,
    waitForLog: (msg, timeoutMs) => waitForLog(msg, timeoutMs),
  };
}

/**
 * Writes `yaml` as relay.yaml into `dir`, completed by `withLoopbackDefaults`
 * with the database beside the file. Returns the file's path.
 */
export function writeDaemonConfig(dir: string, yaml: string): string {
  const file = join(dir, 'relay.yaml');
  writeFileSync(file, withLoopbackDefaults(yaml, './relay.db', dir));
  return file;
}

const ingestAgent = new Agent({ connections: 32 });
afterAll(() => ingestAgent.close());

/** POSTs a JSON event to /in/app; the id when relay acknowledged it, else undefined (refused or relay gone). */
export function ingestEvent(ingestUrl: string, body: object): Promise<string | undefined> {
  return postEvent(ingestUrl, body, ingestAgent);
}

export interface CliProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first stdout line (seen or to come) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once stderr holds `text`. */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `relay <args>` and leaves it running (a `relay tail`), killed after the test if still alive. */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines: string[] = [];
  let stderr = '';
  const checks = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const check of [...checks]) check();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
    for (const check of [...checks]) check();
  });
  const wait = <T>(what: string, found: () => T | undefined, timeoutMs: number) =>
    new Promise<T>((resolveWait, reject) => {
      const timer = setTimeout(() => {
        checks.delete(check);
        reject(
          new Error(
            `relay ${args[0]}: ${what} not seen in time; stdout: ${lines.join('\n')}; stderr: ${stderr}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const result = found();
        if (result === undefined) return;
        clearTimeout(timer);
        checks.delete(check);
        resolveWait(result);
      };
      checks.add(check);
      check();
    });
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine: (match, timeoutMs = 10_000) => wait('the line awaited', () => lines.find(match), timeoutMs),
    waitForStderr: (text, timeoutMs = 10_000) =>
      wait(`"${text}"`, () => (stderr.includes(text) ? true : undefined), timeoutMs).then(() => undefined),
  };
}

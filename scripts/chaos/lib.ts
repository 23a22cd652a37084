import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Agent } from 'undici';
import { type Daemon, startDaemon as startProcess } from '../lib/isolated.ts';
import { postEvent } from '../lib/post-event.ts';

export type { Daemon };

const CLI = resolve(import.meta.dirname, '../../src/cli.ts');
export const agent = new Agent({ connections: 64 });

export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'relay-chaos-'));
}

export function writeConfig(dir: string, yaml: string): string {
  const file = join(dir, 'relay.yaml');
  writeFileSync(file, `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }\n${yaml}`);
  return file;
}

/** Starts the real daemon and resolves once it logs "relay started" (rejects if it exits first). */
export function startDaemon(config: string): Promise<Daemon> {
  return startProcess(process.execPath, [CLI, '--config', config], {
    cwd: dirname(config),
    env: process.env as Record<string, string>,
    timeoutMs: 30_000,
  });
}

/** POSTs one event; the id when relay acknowledged it (200), else undefined. */
export function ingest(url: string, body: object): Promise<string | undefined> {
  return postEvent(url, body, agent);
}

export interface Target {
  url: string;
  server: Server;
  /** Requests seen per webhook-id (every attempt). */
  seen: Map<string, number>;
  /** Requests answered 2xx in full per webhook-id: deliveries that counted. */
  accepted: Map<string, number>;
  /** The most requests it was answering at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startTarget(
  reply: (req: IncomingMessage, res: ServerResponse, attempt: number) => void = (_req, res) => res.end(),
): Promise<Target> {
  const seen = new Map<string, number>();
  const accepted = new Map<string, number>();
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    target.maxInFlight = Math.max(target.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    res.on('finish', () => {
      const id = req.headers['webhook-id'] as string;
      if (res.statusCode < 300) accepted.set(id, (accepted.get(id) ?? 0) + 1);
    });
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'] as string;
      const attempt = (seen.get(id) ?? 0) + 1;
      seen.set(id, attempt);
      reply(req, res, attempt);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target: Target = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    seen,
    accepted,
    maxInFlight: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return target;
}

/** Waits until `done()` holds, checking every 50 ms, for at most `ms`. */
export async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

export interface Row {
  fault: string;
  acknowledged: number;
  delivered: number;
  /** Dead after using up the whole schedule: kept and replayable, not lost. */
  dead: number;
  lost: number;
  duplicates: number;
  note: string;
}

/**
 * Counts acknowledged ids the target accepted, those relay holds as dead
 * after the whole schedule (`dead`, from its database), and the rest: lost.
 */
export function tally(
  fault: string,
  acked: Set<string>,
  target: Target,
  note = '',
  dead: ReadonlySet<string> = new Set(),
): Row {
  let delivered = 0;
  let duplicates = 0;
  let deadCount = 0;
  for (const id of acked) {
    const count = target.accepted.get(id) ?? 0;
    if (count > 0) delivered++;
    else if (dead.has(id)) deadCount++;
    if (count > 1) duplicates += count - 1;
  }
  const lost = acked.size - delivered - deadCount;
  return { fault, acknowledged: acked.size, delivered, dead: deadCount, lost, duplicates, note };
}

/** Event ids whose delivery is dead with every step of a schedule of `steps` used: dead where the schedule says. */
export function deadPerSchedule(databasePath: string, steps: number): Set<string> {
  const db = new Database(databasePath, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT event_id FROM deliveries WHERE state = 'dead' AND step = ?")
      .all(steps + 1) as { event_id: string }[];
    return new Set(rows.map((row) => row.event_id));
  } finally {
    db.close();
  }
}

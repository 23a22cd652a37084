/**
 * Reference 3: BullMQ on Redis (ref-bullmq-peer.ts), end to end. Starts its
 * own redis-server on a free loopback port with an append-only file fsynced
 * every second and no RDB snapshots, in a temp directory; skipped with a note
 * when redis-server is not installed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Child } from './lib/child.ts';
import { track } from './lib/cleanup.ts';
import { type Ctx, DELIVERY_CONCURRENCY, scratch } from './lib/context.ts';
import { memoryMiB } from './lib/proc.ts';
import type { System } from './lib/system.ts';

/** The BullMQ peer as a system to drive, or why it cannot run here. */
export async function bullmqSystem(ctx: Ctx): Promise<System | { skipped: string }> {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.error) {
    const skipped = 'redis-server is not installed (Debian: apt-get install -y redis-server)';
    ctx.log(`  BullMQ reference skipped: ${skipped}`);
    return { skipped };
  }
  const redis = await startRedis(scratch(ctx, 'redis'));
  const stopRedis = async () => {
    if (redis.process.exitCode !== null) return;
    const exited = once(redis.process, 'exit');
    redis.process.kill('SIGTERM');
    await exited;
  };
  let peer: Child;
  try {
    peer = await Child.start(resolve(import.meta.dirname, 'ref-bullmq-peer.ts'), [
      String(redis.port),
      ctx.target.url(''),
      '/bullmq',
      String(DELIVERY_CONCURRENCY),
    ]);
  } catch (error) {
    await stopRedis();
    throw error;
  }
  const redisVersion = /v=(\S+)/.exec(version.stdout)?.[1] ?? '?';
  return {
    name: 'BullMQ + Redis',
    origin: `http://127.0.0.1:${peer.port}`,
    path: () => '/in/app',
    fanout: 1,
    pids: [peer.pid, redis.process.pid!],
    peakRss: () => memoryMiB(peer.pid).peak + memoryMiB(redis.process.pid!).peak,
    notes: () => [`Redis ${redisVersion}; RSS and CPU are the Node process plus redis-server`],
    stop: async () => {
      await peer.stop();
      await stopRedis();
    },
  };
}

async function startRedis(dir: string): Promise<{ process: ChildProcess; port: number }> {
  const port = await freePort();
  const redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--dir',
      dir,
      '--save',
      '',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  track(redis);
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 20 s')), 20_000);
    redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    createInterface({ input: redis.stdout! }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
  });
  redis.removeAllListeners('exit');
  return { process: redis, port };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

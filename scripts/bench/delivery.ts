/**
 * Delivery rate: how fast the real daemon drains a backlog of first attempts
 * to local targets that answer 200 at once. The backlog is written to the
 * database before relay starts, so only dispatch is measured.
 *
 *   npm run bench:delivery [-- --events 20000 --targets 1,10]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { Outbox } from '../../src/store/outbox.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    targets: { type: 'string', default: '1,10' },
  },
});
const events = Number(values.events);
const CLI = resolve(import.meta.dirname, '../../src/cli.ts');
const body = Buffer.from(JSON.stringify({ type: 'receive', content: 'x'.repeat(900) }));

async function run(targetCount: number): Promise<{ deliveries: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  let received = 0;
  const total = events * targetCount;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolveDone) => {
    done = resolveDone;
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end();
      if (++received === total) done();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const names = Array.from({ length: targetCount }, (_, i) => `t${i}`);
  writeFileSync(
    join(dir, 'relay.yaml'),
    `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { path: ./relay.db }
sources: { app: { type: { field: type } } }
endpoints:
${names.map((n) => `  ${n}: { url: "http://127.0.0.1:${port}/${n}", concurrency: 16 }`).join('\n')}
routes: [{ from: [app], types: "*", to: [${names.join(', ')}] }]
`,
  );
  const db = openDatabase({ path: join(dir, 'relay.db'), durability: 'normal' });
  migrate(db);
  const outbox = new Outbox(db);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < events; i++) {
      outbox.enqueue({
        id: `evt_bench_${i}`,
        source: 'app',
        type: 'receive',
        receivedAt: now,
        contentType: 'application/json',
        body,
        endpoints: names,
        idempotency: undefined,
      });
    }
  })();
  db.close();

  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, CLI, '--config', join(dir, 'relay.yaml')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  let started = 0;
  await new Promise<void>((r) =>
    lines.on('line', (line) => {
      if ((JSON.parse(line) as { msg?: string }).msg === 'relay started') {
        started = performance.now();
        r();
      }
    }),
  );
  await finished;
  const seconds = (performance.now() - started) / 1000;
  child.kill('SIGTERM');
  await once(child, 'exit');
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
  return { deliveries: total, seconds };
}

console.log('| targets | deliveries | seconds | deliveries/s |');
console.log('| --- | --- | --- | --- |');
for (const targetCount of values.targets.split(',').map(Number)) {
  const { deliveries, seconds } = await run(targetCount);
  console.log(
    `| ${targetCount} | ${deliveries} | ${seconds.toFixed(2)} | ${Math.round(deliveries / seconds)} |`,
  );
}

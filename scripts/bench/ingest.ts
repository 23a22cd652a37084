/**
 * Ingest rate: events per second one source acknowledges, with
 * `durability: full` and `normal`, at a few client concurrencies. Starts the
 * real daemon (src/cli.ts) per run and drives it over loopback with undici.
 *
 *   npm run bench:ingest [-- --seconds 10 --concurrency 1,16,64]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1,16,64' },
  },
});
const seconds = Number(values.seconds);
const concurrencies = values.concurrency.split(',').map(Number);
const CLI = resolve(import.meta.dirname, '../../src/cli.ts');

// A realistic body: about 1 KiB of SendBlue-like JSON.
const body = JSON.stringify({
  content: 'x'.repeat(700),
  is_outbound: false,
  status: 'RECEIVED',
  message_handle: '00000000-0000-0000-0000-000000000000',
  date_sent: '2020-09-10T06:15:05.962Z',
  from_number: '+19998887777',
  to_number: '+15122164639',
});

async function run(durability: string, concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  const config = join(dir, 'relay.yaml');
  writeFileSync(
    config,
    `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { path: ./relay.db, durability: ${durability} }
sources:
  app: { type: { field: status } }
endpoints:
  sink: { url: "http://127.0.0.1:9/sink" }
routes:
  - { from: [app], types: "*", to: [sink] }
`,
  );
  const child = spawn(process.execPath, [CLI, '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const ingestUrl = await new Promise<string>((resolveUrl) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; ingest?: string };
      if (entry.msg === 'relay started') resolveUrl(entry.ingest!);
    });
  });
  const pool = new Pool(ingestUrl, { connections: concurrency, pipelining: 1 });
  let acknowledged = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const res = await pool.request({
        path: '/in/app',
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      await res.body.dump();
      if (res.statusCode === 200) acknowledged++;
      else failed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
  if (failed > 0) console.error(`${durability} c=${concurrency}: ${failed} requests not acknowledged`);
  return acknowledged / elapsed;
}

console.log(`| durability | concurrency | events/s acknowledged (${seconds}s run) |`);
console.log('| --- | --- | --- |');
for (const concurrency of concurrencies) {
  for (const durability of ['full', 'normal']) {
    const rate = await run(durability, concurrency);
    console.log(`| ${durability} | ${concurrency} | ${Math.round(rate)} |`);
  }
}

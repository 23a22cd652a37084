/**
 * `npm run bench:store`: where the outbox's time goes, without HTTP. Writes
 * 60,000 events with the benchmark's SendBlue-like bodies through relay's own event statements into a fresh
 * database in group commits of a given size, and reports microseconds per
 * event spent in the inserts and in COMMIT: as relay runs with `durability:
 * full` (fsync in COMMIT, automatic checkpoints), then without the fsync
 * (`normal`), then without the checkpoints too.
 *
 *   npm run bench:store                # batches of 5 and 20
 *   npm run bench:store -- --batch 32
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/store/sqlite/db.ts';
import { EventStatements } from '../../src/store/sqlite/events.ts';
import { migrate } from '../../src/store/sqlite/migrate.ts';
import { meanBodyBytes } from './lib/bodies.ts';
import { storedEvent } from './lib/relay.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', multiple: true } } });
const batches = (values.batch ?? ['5', '20']).map(Number);
const EVENTS = 60_000;

interface Cost {
  insertUs: number;
  commitUs: number;
}

function measure(batch: number, durability: 'full' | 'normal', autocheckpoint: boolean): Cost {
  const dir = mkdtempSync(join(tmpdir(), 'relay-store-cost-'));
  try {
    const db = openDatabase({ path: join(dir, 'relay.db'), durability });
    migrate(db);
    if (!autocheckpoint) db.pragma('wal_autocheckpoint = 0');
    const outbox = new EventStatements(db);
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    let insertNs = 0n;
    let commitNs = 0n;
    for (let n = 0; n < EVENTS; n += batch) {
      const events = Array.from({ length: batch }, (_, k) => storedEvent(n + k, 'crm', Date.now()));
      const started = process.hrtime.bigint();
      begin.run();
      for (const event of events) outbox.enqueue(event);
      const inserted = process.hrtime.bigint();
      commit.run();
      insertNs += inserted - started;
      commitNs += process.hrtime.bigint() - inserted;
    }
    db.close();
    return { insertUs: Number(insertNs) / 1e3 / EVENTS, commitUs: Number(commitNs) / 1e3 / EVENTS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `${EVENTS.toLocaleString('en-US')} events, bodies of ${meanBodyBytes()} bytes on average, one delivery each; µs per event\n`,
);
console.log(
  '| batch | inserts | COMMIT (full) | COMMIT (normal: no fsync) | COMMIT (normal, no checkpoints) |',
);
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const batch of batches) {
  const full = measure(batch, 'full', true);
  const normal = measure(batch, 'normal', true);
  const bare = measure(batch, 'normal', false);
  const us = (n: number) => n.toFixed(1);
  console.log(
    `| ${batch} | ${us(full.insertUs)} | ${us(full.commitUs)} | ${us(normal.commitUs)} | ${us(bare.commitUs)} |`,
  );
}

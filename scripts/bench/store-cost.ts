/**
 * `npm run bench:store`: where the outbox's time goes, without HTTP. Writes
 * 60,000 events with the benchmark's SendBlue-like bodies through relay's own event statements into a fresh
 * database in group commits of a given size, and reports microseconds per
 * event spent in the inserts and in COMMIT: as relay runs with `durability:
 * full` (COMMIT, then an fdatasync of the WAL; automatic checkpoints), then without the sync
 * (`normal`), then without the checkpoints too; that last run, whose WAL
 * only grows, also counts the pages each event wrote to it.
 *
 *   npm run bench:store                # batches of 5 and 20
 *   npm run bench:store -- --batch 32
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../src/store/sqlite/db.ts';
import { EventStatements } from '../../src/store/sqlite/events.ts';
import { migrate } from '../../src/store/sqlite/migrate.ts';
import { WalFile } from '../../src/store/sqlite/wal-file.ts';
import { meanBodyBytes } from './lib/bodies.ts';
import { storedEvent } from './lib/relay.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', multiple: true } } });
const batches = (values.batch ?? ['5', '20']).map(Number);
const EVENTS = 60_000;

interface Cost {
  insertUs: number;
  commitUs: number;
  /** Pages each event wrote to the WAL; counted only without checkpoints, when the WAL only grows. */
  walPages: number | undefined;
}

/** A WAL frame: a 24-byte header and the page. */
const walFrameBytes = (pageSize: number) => pageSize + 24;

function measure(batch: number, durability: 'full' | 'normal', autocheckpoint: boolean): Cost {
  const dir = mkdtempSync(join(tmpdir(), 'relay-store-cost-'));
  try {
    const path = join(dir, 'relay.db');
    const db = openDatabase({ path });
    migrate(db);
    // As relay's group commit does with `durability: full`: COMMIT, then a sync of the WAL.
    const wal = new WalFile(path);
    if (!autocheckpoint) db.pragma('wal_autocheckpoint = 0');
    const outbox = new EventStatements(db);
    const begin = db.prepare('BEGIN IMMEDIATE');
    const commit = db.prepare('COMMIT');
    const walBytes = () => statSync(wal.path).size;
    const walAtStart = walBytes();
    let insertNs = 0n;
    let commitNs = 0n;
    for (let n = 0; n < EVENTS; n += batch) {
      const events = Array.from({ length: batch }, (_, k) => storedEvent(n + k, 'crm', Date.now()));
      const started = process.hrtime.bigint();
      begin.run();
      for (const event of events) outbox.enqueue(event);
      const inserted = process.hrtime.bigint();
      commit.run();
      if (durability === 'full') wal.sync();
      insertNs += inserted - started;
      commitNs += process.hrtime.bigint() - inserted;
    }
    const frame = walFrameBytes(db.pragma('page_size', { simple: true }) as number);
    const walPages = autocheckpoint ? undefined : (walBytes() - walAtStart) / frame / EVENTS;
    wal.close();
    db.close();
    return { insertUs: Number(insertNs) / 1e3 / EVENTS, commitUs: Number(commitNs) / 1e3 / EVENTS, walPages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `${EVENTS.toLocaleString('en-US')} events, bodies of ${meanBodyBytes()} bytes on average, one delivery each; µs per event\n`,
);
console.log(
  '| batch | inserts | COMMIT + WAL sync (full) | COMMIT (normal: no sync) | COMMIT (normal, no checkpoints) | WAL pages per event |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const batch of batches) {
  const full = measure(batch, 'full', true);
  const normal = measure(batch, 'normal', true);
  const bare = measure(batch, 'normal', false);
  const us = (n: number) => n.toFixed(1);
  console.log(
    `| ${batch} | ${us(full.insertUs)} | ${us(full.commitUs)} | ${us(normal.commitUs)} | ${us(bare.commitUs)} | ${bare.walPages!.toFixed(2)} |`,
  );
}

import { RelayError } from '../../errors.ts';
import type { Db } from './db.ts';
import { initial } from './migrations/001_initial.ts';
import { deadIndex } from './migrations/002_dead_index.ts';
import { claimNumber } from './migrations/003_claim_number.ts';
import { unfinishedAge } from './migrations/004_unfinished_age.ts';
import { deliveryIdFloor } from './migrations/005_delivery_id_floor.ts';
import { managed } from './migrations/006_managed.ts';
import { thresholds } from './migrations/007_thresholds.ts';
import { orderKeys } from './migrations/008_order_keys.ts';
import { oneUnfinishedIndex } from './migrations/009_one_unfinished_index.ts';

/** Ordered, append-only; migration N brings `user_version` from N-1 to N. */
const migrations: readonly string[] = [
  initial,
  deadIndex,
  claimNumber,
  unfinishedAge,
  deliveryIdFloor,
  managed,
  thresholds,
  orderKeys,
  oneUnfinishedIndex,
];

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new RelayError(
      'RELAY_ERR_SCHEMA_TOO_NEW',
      `database schema version ${current} is newer than this relay knows (${migrations.length}); upgrade relay`,
    );
  }
  if (current === 0) {
    // Must precede the first table. Switching to WAL already wrote the file
    // header, so the setting takes effect through a VACUUM of the empty file.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    const sql = migrations[version - 1]!;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}

export const schemaVersion = migrations.length;

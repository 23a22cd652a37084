/**
 * The floor under relay's start-up: a Node single executable that only starts
 * two node:http servers on loopback and answers every request 200, built from
 * the same Node and stripped the same way as dist/relay. Spawning it, Node's
 * own start and the probe are all its start-up time costs, so relay's figure
 * read beside it (the two run alternately) says what relay itself adds on a
 * machine whose speed comes and goes.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSingleExecutable, strippedNode } from './sea.ts';

// It logs the line startDaemon (isolated.ts) waits for, with the two servers' URLs.
const BARE_MAIN = `'use strict';
const http = require('node:http');
const listening = () => new Promise((ready) => {
  const server = http.createServer((req, res) => res.writeHead(200).end());
  server.listen(0, '127.0.0.1', () => ready('http://127.0.0.1:' + server.address().port));
});
process.on('SIGTERM', () => process.exit(0));
Promise.all([listening(), listening()]).then(([ingest, admin]) => {
  console.log(JSON.stringify({ msg: 'relay started', ingest, admin }));
});
`;

/** Builds the bare executable in `dir` (a scratch directory); returns its path. */
export function buildBareSea(dir: string): string {
  const main = join(dir, 'bare-main.cjs');
  const config = join(dir, 'bare-sea-config.json');
  const output = join(dir, 'bare');
  const node = strippedNode(join(dir, 'node-stripped'), 'startup-time');
  writeFileSync(main, BARE_MAIN);
  try {
    buildSingleExecutable(config, {
      main,
      output,
      executable: node,
      disableExperimentalSEAWarning: true,
      // As dist/relay: NODE_OPTIONS is not the executable's business.
      execArgvExtension: 'none',
    });
  } finally {
    for (const file of [main, config]) rmSync(file, { force: true });
    if (node !== process.execPath) rmSync(node, { force: true });
  }
  return output;
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { parseDocument } from 'yaml';
import type { Clock } from '../../src/clock.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { type Relay, startRelay } from '../../src/main.ts';
import { tempDir } from './temp.ts';

const running: Relay[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((relay) => relay.close()));
});

/**
 * A config from YAML text, with each listener on 127.0.0.1 port 0 and the
 * database in a fresh temp dir unless the text says otherwise: a test that
 * sets other storage options still never binds a fixed port.
 */
export function testConfig(yaml: string, env: Record<string, string> = {}, dir = tempDir()): RelayConfig {
  const doc = parseDocument(yaml);
  const defaults: [string[], string][] = [
    [['listen', 'ingest'], '127.0.0.1:0'],
    [['listen', 'admin'], '127.0.0.1:0'],
    [['storage', 'path'], join(dir, 'relay.db')],
  ];
  for (const [path, value] of defaults) if (!doc.hasIn(path)) doc.setIn(path, value);
  const text = doc.toString();
  writeFileSync(join(dir, 'relay.yaml'), text);
  return parseConfig(text, { env, baseDir: dir });
}

/** Starts an in-process relay, closed after the test. */
export async function startTestRelay(config: RelayConfig, clock?: Clock): Promise<Relay> {
  const relay = await startRelay(config, { log: createLogger('silent'), ...(clock ? { clock } : {}) });
  running.push(relay);
  return relay;
}

export async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; body: string; json: () => unknown; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  return { status: res.status, body: text, json: () => JSON.parse(text), headers: res.headers };
}

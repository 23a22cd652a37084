import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { RelayConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { type Relay, startRelay } from '../../src/main.ts';
import { withLoopbackDefaults } from './loopback-config.ts';
import { tempDir } from './temp.ts';

const running: Relay[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((relay) => relay.close()));
});

/** A config from YAML text, completed by `withLoopbackDefaults` with a database in a fresh temp dir. */
export function testConfig(yaml: string, env: Record<string, string> = {}, dir = tempDir()): RelayConfig {
  const text = withLoopbackDefaults(yaml, join(dir, 'relay.db'), dir);
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

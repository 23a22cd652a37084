import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { ingestEvent, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

const EVENTS = 10_000;
const ENDPOINTS = 100;
// Requests in flight at once while seeding: as many as the ingest agent's connections.
const CONCURRENCY = 32;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * The yardstick: the page loads in under a second on loopback with
 * 10,000 stored events and 100 endpoints. Measured and printed, not asserted:
 * a shared 2-core machine makes any fixed bound flaky. The daemon runs as
 * its own process, seeded through its ingest port.
 */
it('loads the endpoints and events pages with 10,000 events and 100 endpoints (printed)', async () => {
  const target = await startTarget();
  const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => `  e${i}: { url: "${target.url}/e${i}" }`);
  const config = writeDaemonConfig(
    tempDir(),
    `
admin: { token: "t" }
sources: { app: {} }
endpoints:
${endpoints.join('\n')}
routes:
  - { from: [app], to: [e0] }
`,
  );
  const relay = await spawnRelay(['--config', config]);
  const seeding = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < EVENTS) {
        sent++;
        expect(await ingestEvent(relay.ingestUrl, { n: sent })).toBeDefined();
      }
    }),
  );
  const seeded = Math.round(performance.now() - seeding);
  const page = await browser.newPage();
  await page.goto(`${relay.adminUrl}/ui/`);
  await page.evaluate(() => sessionStorage.setItem('relay.admin-token', 't'));
  const timings: string[] = [];
  for (const [hash, ready] of [
    ['#/endpoints', page.getByRole('rowheader', { name: /^e99/ })],
    ['#/events', page.getByRole('cell', { name: 'app', exact: true }).first()],
  ] as const) {
    await page.goto('about:blank');
    const started = performance.now();
    await page.goto(`${relay.adminUrl}/ui/${hash}`);
    await ready.waitFor();
    timings.push(`${hash} ${Math.round(performance.now() - started)} ms`);
  }
  console.log(
    `dashboard load with ${EVENTS} events and ${ENDPOINTS} endpoints: ${timings.join(', ')} (seeded in ${seeded} ms)`,
  );
  await page.close();
}, 60_000);

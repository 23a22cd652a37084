import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type Answer, api } from '../admin/api.ts';
import { launchBrowser, screenshot } from './browser.ts';
import { type RelayProcess, spawnRelay, writeDaemonConfig } from './process.ts';
import { readStream, type SseMessage, type SseReader } from './sse.ts';
import { type Script, startTarget, type Target } from './target.ts';
import { tempDir } from './temp.ts';

/**
 * The browser tests' harness: the real daemon (spawned from its config file,
 * killed after each test by process.ts), a scripted target it delivers to,
 * and a fresh browser context on its admin listener. Importing this file
 * launches one Chromium for the test file.
 */

export const ADMIN = 't-admin';
export const READ = 't-read';

/** The daemon's config: a `read` and an `admin` token, and every `app` event to `crm` on the target. */
const daemonConfig = (target: Target) => `
admin:
  tokens:
    - { name: viewer, token: "${READ}", role: read }
    - { name: deployer, token: "${ADMIN}", role: admin }
sources: { app: { type: { field: type } } }
endpoints:
  crm: { url: "${target.url}/crm", retry: { schedule: [50ms], jitter: 0 } }
routes:
  - { name: all, from: [app], to: [crm] }
`;

let browser: Browser;
let context: BrowserContext | undefined;
/**
 * What the browser said about the page: CSP violations and script errors fail
 * the test. A failed load is no complaint: the tests call for 401s and 400s.
 */
let complaints: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
// Registered after process.ts's, so it runs before the daemon is killed: the page is still whole.
afterEach(async ({ task }) => {
  const page = context?.pages()[0];
  if (task.result?.state === 'fail' && page) {
    await screenshot(page, task.name.replace(/\W+/g, '-')).catch(() => {});
  }
  await context?.close();
  context = undefined;
  expect(complaints).toEqual([]);
});

export interface Dashboard {
  relay: RelayProcess;
  target: Target;
  page: Page;
  /** The daemon's /admin/stream, read from before anything was sent: what it did, in order. */
  stream: SseReader;
  /** Calls the daemon's admin API with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<Answer>;
  /** POSTs a JSON event to the daemon's /in/app; resolves with its id once stored. */
  send(body: object): Promise<string>;
  /** Resolves once the stream says a delivery to `endpoint` ended as `result`. */
  completed(endpoint: string, result: 'delivered' | 'dead'): Promise<SseMessage>;
  signIn(token: string): Promise<void>;
}

/** Spawns the daemon on its config file, and opens a page that reports what the browser complained about. */
export async function startDashboard(script?: Script): Promise<Dashboard> {
  const target = await startTarget(script);
  const relay = await spawnRelay(['--config', writeDaemonConfig(tempDir(), daemonConfig(target))]);
  const stream = await readStream(`${relay.adminUrl}/admin/stream`, ADMIN);
  context = await browser.newContext();
  const page = await context.newPage();
  // Well inside the test's 30 s, so a missing element fails with its own message (and a screenshot).
  page.setDefaultTimeout(8_000);
  complaints = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      complaints.push(message.text());
  });
  page.on('pageerror', (error) => complaints.push(error.message));
  return {
    relay,
    target,
    page,
    stream,
    admin: (method, path, body) =>
      api(relay.adminUrl, `/admin/${path}`, { method, token: ADMIN, ...(body ? { body } : {}) }),
    async send(body) {
      const res = await fetch(`${relay.ingestUrl}/in/app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as { id: string };
      expect(res.status).toBe(200);
      return answer.id;
    },
    completed: (endpoint, result) =>
      stream.next(
        (m) => m.event === 'delivery.completed' && m.data.endpoint === endpoint && m.data.result === result,
      ),
    async signIn(token) {
      await page.goto(`${relay.adminUrl}/ui/`);
      await page.getByLabel('Admin token').fill(token);
      await page.getByLabel('Admin token').press('Enter');
      await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    },
  };
}

/** Resolves once the page has opened its own /admin/stream (its answer has begun: the daemon is sending). */
export function pageStreaming(page: Page): Promise<unknown> {
  return page.waitForResponse((response) => response.url().endsWith('/admin/stream'));
}

/**
 * Leaves one pending delivery held for `name`, an endpoint the config no
 * longer names: made through the API, paused, sent an event, then deleted.
 * Resolves with that event's id.
 */
export async function holdBacklog({ admin, send, target }: Dashboard, name: string): Promise<string> {
  await admin('POST', 'endpoints', { name, url: `${target.url}/${name}` });
  await admin('POST', 'routes', { name: `to-${name}`, from: ['app'], to: [name] });
  await admin('POST', `endpoints/${name}/pause`, {});
  const id = await send({ type: 'stranded' });
  await admin('DELETE', `routes/to-${name}`);
  expect((await admin('DELETE', `endpoints/${name}`)).json.held_deliveries).toBe(1);
  return id;
}

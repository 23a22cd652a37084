import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (which .ci/run installs), or the one RELAY_TEST_CHROMIUM names. */
export function chromiumPath(): string {
  const named = process.env.RELAY_TEST_CHROMIUM;
  if (named) return named;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'the browser tests need Chromium: `apt-get install -y chromium` (.ci/run does this), ' +
        'or set RELAY_TEST_CHROMIUM to a Chromium binary',
    );
  }
}

/**
 * A headless Chromium. The flags keep it off the
 * network it would otherwise call at start (updates, sync, Google's hosts),
 * which this machine refuses.
 */
export function launchBrowser(): Promise<Browser> {
  // launch() gives it a fresh empty profile of its own and removes it on close.
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves the page under test-results/ (for a failed test: what the browser showed). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = resolve(import.meta.dirname, '../../test-results');
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * With RELAY_README_SCREENSHOTS=1: the page as the README shows it, saved
 * as docs/screenshots/<name>.png by the tests that drive it (so the pictures
 * show the real product); otherwise nothing.
 */
export async function readmeShot(page: Page, name: string): Promise<void> {
  if (!process.env.RELAY_README_SCREENSHOTS) return;
  const dir = resolve(import.meta.dirname, '../../docs/screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: resolve(dir, `${name}.png`), fullPage: true });
}

/** Test helper: Debian's Chromium (/usr/bin/chromium) driven by playwright-core, headless, no browser download. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import type { Harness } from '../helpers/harness';

/** The system browser the UI tests drive (TCPSHIFT_CHROMIUM overrides). */
export const CHROMIUM = process.env.TCPSHIFT_CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser is installed; tests skip with a message otherwise (CI installs it in .ci/run). */
export function haveChromium(): boolean {
  const ok = existsSync(CHROMIUM);
  if (!ok) process.stderr.write(`UI tests skipped: no ${CHROMIUM} (apt-get install -y chromium, or set TCPSHIFT_CHROMIUM)\n`);
  return ok;
}

/** A headless Chromium with a fresh profile (playwright makes a temporary --user-data-dir), closed at cleanup. */
export async function launch(h: Harness): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  h.defer(() => browser.close());
  return browser;
}

/** A page at `width` px collecting console errors and page errors into `errors`. */
export async function openPage(browser: Browser, url: string, width = 1280, height = 900): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

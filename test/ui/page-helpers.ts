/** Test helpers for the web view: the walkthrough's 80/20 commit, a destination's text, screenshots into docs/. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { allV1Files, split8020Files, type WalkthroughPorts } from '../helpers/walkthrough';

/** The files the 80/20 commit changes over all-v1. */
export function changedFiles(ports: WalkthroughPorts): Record<string, string> {
  const before = allV1Files(ports);
  const after = split8020Files(ports);
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => before[k] !== v));
}

/** The text of the destination row whose key has subset `subset`. */
export async function destText(page: Page, subset: string): Promise<string> {
  return (await page.locator(`[data-dest*="|${subset}|"]`).first().textContent()) ?? '';
}

/** Saves a screenshot under docs/ when TCPSHIFT_UI_SCREENSHOTS=1 (`npm run test:ui` sets it), so `npm test` leaves the tree alone. */
export async function shot(page: Page, name: string): Promise<void> {
  if (process.env.TCPSHIFT_UI_SCREENSHOTS !== '1') return;
  const dir = join(__dirname, '..', '..', 'docs');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name), fullPage: true });
}

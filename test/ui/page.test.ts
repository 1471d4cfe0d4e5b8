/**
 * The web view in a real headless Chromium against a real `tcpshift run` (the short run, part of `npm test`):
 * the page loads without a console error, shows the walkthrough route's weights, takes a weight commit
 * without a reload, and its observed share follows the connections made. `npm run test:ui` runs more.
 */
import { connectAndSend } from '../helpers/net';
import { Harness } from '../helpers/harness';
import { haveChromium, launch, openPage } from './browser';
import { uiInstance } from './instance';
import { changedFiles, destText, shot } from './page-helpers';

const h = new Harness();
afterEach(() => h.cleanup());
const maybe = haveChromium() ? test : test.skip;

maybe('the walkthrough on the page: 100 % v1, then the 80/20 commit arrives without a reload and the observed share moves', async () => {
  const inst = await uiInstance(h, { allV1: true });
  const browser = await launch(h);
  const { page, errors } = await openPage(browser, inst.url);
  await page.locator('#live', { hasText: 'live' }).waitFor();
  await page.locator('.bar.weight .label', { hasText: 'weight 100%' }).waitFor();
  expect(await destText(page, 'v1')).toContain('observed –');
  // Ten connections, all to v1: the observed share appears.
  for (let i = 0; i < 10; i++) await connectAndSend(inst.ports.gateway, 'hello\n');
  await page.locator('[data-dest*="|v1|"] .bar.observed .label', { hasText: 'observed 100%' }).waitFor();
  await page.locator('[data-dest*="|v1|"] .counts', { hasText: 'opened 10' }).waitFor();
  await shot(page, 'webview-before.png');

  await page.evaluate(() => { (globalThis as unknown as { notReloaded: boolean }).notReloaded = true; });
  const sha = inst.repo.commit(changedFiles(inst.ports), 'route 20% of new connections to v2');
  await inst.run.line((l) => l.outcome === 'applied' && l.revision === sha, 10_000, 'the 80/20 commit applied');
  const applied = Date.now();
  await page.locator('[data-dest*="|v2|"] .bar.weight .label', { hasText: 'weight 20%' }).waitFor({ timeout: 10_000 });
  const onPageMs = Date.now() - applied;
  expect(await destText(page, 'v1')).toContain('weight 80%');
  expect(await page.locator('#serving').textContent()).toContain(sha.slice(0, 7));
  expect(await page.locator('#serving').textContent()).toContain('route 20% of new connections to v2');
  expect(await page.locator('#history-body').textContent()).toContain('80%');
  expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  process.stderr.write(`web view: the 80/20 commit was on the page ${onPageMs} ms after the apply log line\n`);

  // Ten new connections under 80/20 (smooth WRR: exactly 8 and 2): the observed share over the last 20 moves to 90/10.
  for (let i = 0; i < 10; i++) await connectAndSend(inst.ports.gateway, 'hello\n');
  await page.locator('[data-dest*="|v2|"] .bar.observed .label', { hasText: 'observed 10%' }).waitFor();
  await page.locator('[data-dest*="|v2|"] .counts', { hasText: 'opened 2' }).waitFor();
  await shot(page, 'webview-after.png');
  expect(errors).toEqual([]);
}, 60_000);

/**
 * The web view, the fuller run (`npm run test:ui`, which sets TCPSHIFT_UI_FULL=1 and writes the screenshots
 * into docs/): a rejected commit's file:line:col errors; without the token no mutating request works, with it
 * suspend then resume work from the page, by keyboard; 390 px without sideways scrolling; the page reconnects
 * by itself after a restart; a rollout (an injected status: no rollouts exist on this branch) shows its steps,
 * checks and countdown, and its buttons send bearer + X-Tcpshift-Request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asset } from '../../src/admin/ui-assets';
import { connectAndSend, waitFor } from '../helpers/net';
import { Harness } from '../helpers/harness';
import { haveChromium, launch, openPage } from './browser';
import { uiInstance } from './instance';
import { changedFiles, shot } from './page-helpers';

const h = new Harness();
afterEach(() => h.cleanup());
const full = process.env.TCPSHIFT_UI_FULL === '1';
if (!full) process.stderr.write('test/ui/full.test.ts skipped: run `npm run test:ui` for the fuller browser tests\n');
const maybe = full && haveChromium() ? test : test.skip;
const TOKEN = 'page-t0ken';

async function status(admin: number): Promise<{ suspended: boolean; lastAppliedRevision: string }> {
  return (await fetch(`http://127.0.0.1:${admin}/status`)).json() as Promise<{ suspended: boolean; lastAppliedRevision: string }>;
}

maybe('a rejected commit shows every error as file:line:col CODE message, and the old revision keeps serving', async () => {
  const inst = await uiInstance(h);
  const browser = await launch(h);
  const { page, errors } = await openPage(browser, inst.url);
  await page.locator('#live', { hasText: 'live' }).waitFor();
  const files = changedFiles(inst.ports);
  const [name, text] = Object.entries(files).find(([, t]) => t.includes('weight: 20')) ?? Object.entries(inst.repo.git('ls-files').split('\n')).map(() => ['', '']).at(0)!;
  const bad = (text ?? '').replace('weight: 20', 'weight: -20');
  const sha = inst.repo.commit({ [name!]: bad }, 'a negative weight');
  await inst.run.line((l) => l.outcome === 'rejected' && l.revision === sha, 10_000, 'rejected');
  const list = page.locator('#errors li').first();
  await list.waitFor();
  expect(await list.textContent()).toMatch(/^\S+\.yaml:\d+:\d+ [A-Z_]+ .*weight/);
  expect(await page.locator('#reconcile-body').textContent()).toContain('Not ready');
  expect(await page.locator('[data-dest*="|v2|"] .bar.weight .label').textContent()).toBe('weight 20%');
  await shot(page, 'webview-rejected.png');
  expect(errors).toEqual([]);
}, 60_000);

maybe('without the token no mutating request works; with it, suspend then resume work from the page, by keyboard', async () => {
  const inst = await uiInstance(h, { token: TOKEN });
  const browser = await launch(h);
  const { page, errors } = await openPage(browser, inst.url);
  await page.locator('#live', { hasText: 'live' }).waitFor();
  expect(await page.locator('#controls').isVisible()).toBe(false);
  expect(await page.locator('#unlock').isVisible()).toBe(true);
  // What a button would send, without the token: refused, nothing suspended.
  const code = await page.evaluate(async () => (await fetch('/suspend', { method: 'POST', headers: { 'x-tcpshift-request': '1' } })).status);
  expect(code).toBe(401);
  // A wrong token: the button's request is refused and the page locks again.
  await page.fill('#token', 'wrong');
  await page.click('#unlock-button');
  await page.click('[data-action="suspend"]');
  await page.locator('#action-result', { hasText: '401' }).waitFor();
  expect(await page.locator('#controls').isVisible()).toBe(false);
  expect((await status(inst.admin)).suspended).toBe(false);
  // The right token, by keyboard: Tab to the field, type, Enter; Tab to Suspend, Enter.
  await page.locator('body').focus();
  for (let i = 0; i < 20 && await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id) !== 'token'; i++) await page.keyboard.press('Tab');
  await page.keyboard.type(TOKEN);
  await page.keyboard.press('Enter');
  await page.locator('#controls').waitFor({ state: 'visible' });
  await page.locator('[data-action="suspend"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('#reconcile-body', { hasText: 'suspended: web view' }).waitFor();
  expect((await status(inst.admin)).suspended).toBe(true);
  await page.locator('[data-action="resume"]').click();
  await page.locator('#reason', { hasText: 'ReconciliationSucceeded' }).waitFor();
  expect((await status(inst.admin)).suspended).toBe(false);
  // The browser logs the two refused requests this test made; nothing else.
  expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
}, 60_000);

maybe('390 px wide: everything fits without sideways scrolling; after a restart the page reconnects by itself', async () => {
  const inst = await uiInstance(h);
  const browser = await launch(h);
  const { page, errors } = await openPage(browser, inst.url, 390, 844);
  await page.locator('#live', { hasText: 'live' }).waitFor();
  for (let i = 0; i < 10; i++) await connectAndSend(inst.ports.gateway, 'hello\n');
  await page.locator('[data-dest*="|v2|"] .counts', { hasText: 'opened 2' }).waitFor();
  const overflow = await page.evaluate(() => { const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement; return d.scrollWidth - d.clientWidth; });
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, 'webview-390px.png');
  // Restart on the same admin port and state: the stream drops, then comes back with the counters of the new process.
  inst.run.signal('SIGTERM');
  expect(await inst.run.exited).toBe(0);
  await page.locator('#live', { hasText: 'reconnecting' }).waitFor();
  await uiInstance(h, { repo: inst.repo, ports: inst.ports, admin: inst.admin, stateDir: inst.stateDir });
  await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 15_000 });
  await page.locator('[data-dest*="|v2|"] .counts', { hasText: 'opened 0' }).waitFor();
  // The browser logs the refused reconnects while the server was down; nothing else.
  expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|events/.test(e))).toEqual([]);
}, 60_000);

/** A stand-in admin server: the real page files, and /events with an injected status holding a rollout. */
async function rolloutServer(): Promise<{ url: string; posts: { url: string; auth: string; marked: string }[]; nextStep(): void }> {
  const now = Date.now();
  const iso = (ms: number) => new Date(now + ms).toISOString();
  const dest = (subset: string, percent: number, observed: number, active: number, opened: number) => ({
    key: `tcp-echo|${subset}|9000`, host: 'tcp-echo', subset, port: 9000, service: 'tcp-echo', version: subset, weight: percent, percent, observedPercent: observed,
    active, opened, closed: opened - active, connectFailures: 0, failed: 0, rejected: 0,
    endpoints: [{ key: `127.0.0.1:${subset === 'v1' ? 9000 : 9001}`, address: '127.0.0.1', port: subset === 'v1' ? 9000 : 9001, weight: 1, active, ejected: false }],
  });
  const proxy = { activeConnections: 9, listeners: [{ key: '0.0.0.0:31400', address: '0.0.0.0', port: 31400, boundPort: 31400, gateway: 'default/tcp-echo-gateway', portName: 'tcp',
    route: { virtualService: 'default/tcp-echo', rule: 0, observedConnections: 1000, destinations: [dest('v1', 60, 60.2, 6, 3120), dest('v2', 40, 39.8, 3, 2080)] } }] };
  const times = Array.from({ length: 120 }, (_, i) => Math.round(now / 1000) - 120 + i);
  const series = [{ listener: '0.0.0.0:31400', times, destinations: [
    { key: 'tcp-echo|v1|9000', values: times.map((_, i) => (i < 60 ? 8 : 6)) }, { key: 'tcp-echo|v2|9000', values: times.map((_, i) => (i < 60 ? 2 : 4)) }] }];
  const status = {
    ready: true, reason: 'Progressing', message: 'rollout of default/tcp-echo at step 2 of 4', source: 'git https://git.example/ops/routes.git branch main',
    lastAppliedRevision: '4b2f0c1d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c', lastAppliedAt: iso(-600_000), lastAttemptedRevision: '9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d', lastAttemptedAt: iso(-120_000),
    lastAttemptedOutcome: 'applied', lastOutcome: 'applied', lastRunAt: iso(-5000), reconciling: null, lastChanges: [], diagnostics: [], fetchFailures: 0,
    suspended: false, suspendedAt: null, suspendedReason: null, pendingRevision: null, pinned: null,
    history: [{ revision: '4b2f0c1d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c', appliedAt: iso(-600_000), author: 'Ada Operator', date: iso(-700_000), subject: 'tcp-echo: 80/20', changes: ['~ 0.0.0.0:31400 tcp-echo v1 100% → 80%  +v2 0% → 20%'], trigger: 'watch' }],
    rollouts: [{ target: 'default/tcp-echo', revision: '9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d', phase: 'Progressing', step: 2, steps: 4,
      shares: { 'tcp-echo|v1|9000': 60, 'tcp-echo|v2|9000': 40 }, stepStartedAt: iso(-30_000), nextStepAt: iso(90_000),
      checks: [{ name: 'connect-failures', ok: true, value: 0, at: iso(-10_000) }, { name: 'failed-connections', ok: true, value: '0.1%', at: iso(-10_000) }] }],
  };
  const posts: { url: string; auth: string; marked: string }[] = [];
  const streams: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST') {
      posts.push({ url: req.url ?? '', auth: req.headers.authorization ?? '', marked: String(req.headers['x-tcpshift-request'] ?? '') });
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"phase":"Paused"}');
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      streams.push(res);
      return res.write(`event: snapshot\ndata: ${JSON.stringify({ at: now, tokenRequired: true, status, proxy, series })}\n\n`);
    }
    const a = asset(path);
    if (!a) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': a.type });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  h.defer(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  // The rollout moves on: step 3 of 4 at 80/20, as a `status` event.
  const nextStep = () => {
    const r = { ...status.rollouts[0]!, step: 3, shares: { 'tcp-echo|v1|9000': 80, 'tcp-echo|v2|9000': 20 }, stepStartedAt: iso(0), nextStepAt: iso(120_000) };
    const next = { ...status, rollouts: [r] };
    for (const res of streams) res.write(`event: status\ndata: ${JSON.stringify({ at: Date.now(), status: next, proxy })}\n\n`);
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, posts, nextStep };
}

maybe('a rollout (injected status): its steps with the current one marked, the shares, the checks, the countdown; buttons only with a token; the next step moves the timeline', async () => {
  const srv = await rolloutServer();
  const browser = await launch(h);
  const { page, errors } = await openPage(browser, srv.url);
  const r = page.locator('.rollout[data-target="default/tcp-echo"]');
  await r.waitFor();
  expect(await r.locator('.steps li').count()).toBe(4);
  expect(await r.locator('.steps li.current').textContent()).toBe('step 2 (now): tcp-echo v1 60% · tcp-echo v2 40%');
  expect(await r.locator('.steps li[aria-current="step"]').count()).toBe(1);
  expect(await r.textContent()).toContain('Progressing');
  expect(await r.locator('table.checks').textContent()).toContain('failed-connections');
  expect(await r.locator('[data-next-step-at]').textContent()).toMatch(/^next step in \d+ s$/);
  expect(await r.locator('.rollout-controls').isVisible()).toBe(false);
  await shot(page, 'webview-rollout.png');
  await page.fill('#token', TOKEN);
  await page.press('#token', 'Enter');
  await r.locator('button[data-rollout-action="pause"]').click();
  await waitFor(() => srv.posts.length === 1, 5000, 'the pause request');
  expect(srv.posts[0]).toEqual({ url: '/rollout/pause?target=default%2Ftcp-echo', auth: `Bearer ${TOKEN}`, marked: '1' });
  // The next step arrives on the stream: the timeline moves, step 2 is done.
  srv.nextStep();
  await r.locator('.steps li.current', { hasText: 'step 3 (now): tcp-echo v1 80% · tcp-echo v2 20%' }).waitFor();
  expect(await r.locator('.steps li.done').allTextContents()).toEqual(['step 1 done', 'step 2 done']);
  expect(errors).toEqual([]);
}, 60_000);

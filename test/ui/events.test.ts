/**
 * GET /events (no browser): a stream starts with a snapshot and ticks every second; it outlives the admin
 * request timeout; at most MAX_SSE_CLIENTS streams at once (the next gets 503 and one warning); streams count
 * against the admin connection cap; a foreign Host is refused; stopping the app ends the streams. Plus the
 * series ring: O(destinations) per sample, 15 minutes kept, a reset counter counted from 0.
 */
import { request, type IncomingMessage } from 'node:http';
import { startApp } from '../../src/app';
import { startAdmin } from '../../src/admin/server';
import { MAX_SSE_CLIENTS } from '../../src/admin/events';
import { Series } from '../../src/admin/series';
import type { ProxySnapshot } from '../../src/proxy/snapshot';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs } from '../helpers/logs';
import { freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

async function instance() {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const logs = captureLogs('warn');
  const app = await startApp(testAppConfig(repo.dir, state.dir), logs.log);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  return { app, logs };
}

interface Stream { res: IncomingMessage; text(): string; events(name: string): unknown[]; close(): void }

function stream(port: number, host = `127.0.0.1:${port}`): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/events', headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('error', () => undefined);
      const s: Stream = {
        res,
        text: () => text,
        events: (name) => text.split('\n\n').filter((f) => f.startsWith(`event: ${name}\n`)).map((f) => JSON.parse(f.split('\ndata: ')[1] ?? 'null') as unknown),
        close: () => req.destroy(),
      };
      h.defer(async () => s.close());
      resolve(s);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a stream starts with a snapshot of status, proxy and series, ticks every second, and outlives the request timeout', async () => {
  const { app, logs } = await instance();
  // A second admin server on the same instance, with a 300 ms headers / 600 ms request timeout.
  const admin = await startAdmin({ host: '127.0.0.1', port: 0, headersTimeoutMs: 300 }, { reconciler: app.reconciler, proxy: app.proxy, log: logs.log });
  h.defer(() => admin.close());
  const s = await stream(admin.port);
  expect(s.res.statusCode).toBe(200);
  expect(s.res.headers['content-type']).toMatch(/^text\/event-stream/);
  await waitFor(() => s.events('snapshot').length === 1, 5000, 'snapshot');
  const snap = s.events('snapshot')[0] as { status: { lastAppliedRevision: string }; proxy: ProxySnapshot; tokenRequired: boolean };
  expect(snap.status.lastAppliedRevision).toBe(app.reconciler.status().lastAppliedRevision);
  expect(snap.proxy.listeners[0]?.route.destinations.map((d) => d.percent)).toEqual([80, 20]);
  expect(snap.tokenRequired).toBe(false);
  // Three ticks: well past the request timeout, and the stream keeps ticking.
  await waitFor(() => s.events('tick').length >= 3, 10_000, 'three ticks');
  expect(s.res.destroyed).toBe(false);
  // No 408 response written into the stream (a bare '408' also matches a port such as 20408).
  expect(s.text()).not.toMatch(/HTTP\/1\.1 408|Request Timeout/);
});

test(`at most ${MAX_SSE_CLIENTS} streams: the next is refused with 503 and one warning; closing one makes room; stop ends them`, async () => {
  const { app, logs } = await instance();
  const open: Stream[] = [];
  for (let i = 0; i < MAX_SSE_CLIENTS; i++) open.push(await stream(app.adminPort));
  expect(open.map((s) => s.res.statusCode)).toEqual(open.map(() => 200));
  const refused = await stream(app.adminPort);
  expect(refused.res.statusCode).toBe(503);
  expect(refused.res.headers['retry-after']).toBe('5');
  await waitFor(() => logs.lines.some((l) => l.msg === 'event stream refused: too many open'), 2000, 'warning');
  // The API still answers meanwhile: the streams take 16 of the 64 admin connections.
  const status = await fetch(`http://127.0.0.1:${app.adminPort}/status`);
  expect(status.status).toBe(200);
  const closed = new Promise<void>((r) => open[0]!.res.on('close', () => r()));
  open[0]!.close();
  await closed;
  let again = await stream(app.adminPort);
  // The server sees the close a moment after the client: retry until it has.
  for (let i = 0; i < 50 && again.res.statusCode === 503; i++) {
    await new Promise((r) => setTimeout(r, 20));
    again = await stream(app.adminPort);
  }
  expect(again.res.statusCode).toBe(200);
  const last = again;
  const ended = new Promise<void>((r) => last.res.on('close', () => r()));
  await app.stop(200);
  await ended;
});

test('a foreign Host is refused on /events and / (DNS rebinding)', async () => {
  const { app } = await instance();
  const s = await stream(app.adminPort, 'attacker.example');
  expect(s.res.statusCode).toBe(403);
  const page = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: app.adminPort, path: '/', headers: { host: 'attacker.example' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
  expect(page).toBe(403);
  const ok = await fetch(`http://127.0.0.1:${app.adminPort}/`);
  expect(ok.status).toBe(200);
  expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(await ok.text()).toContain('/ui/app.js');
  for (const path of ['/ui/app.js', '/ui/app.css', '/ui/uPlot.iife.min.js', '/ui/uPlot.min.css']) {
    expect([path, (await fetch(`http://127.0.0.1:${app.adminPort}${path}`)).status]).toEqual([path, 200]);
  }
});

function snap(opened: Record<string, number>): ProxySnapshot {
  const dest = (key: string, n: number) => ({ key, opened: n }) as unknown as ProxySnapshot['listeners'][number]['route']['destinations'][number];
  return { activeConnections: 0, rejectedConnections: 0, acceptErrors: [], localConnectErrors: [], listeners: [{ key: 'L', route: { destinations: Object.entries(opened).map(([k, n]) => dest(k, n)) } } as unknown as ProxySnapshot['listeners'][number]] };
}

test('the series: per-second deltas of opened, nulls before a destination existed, a reset counted from 0, a full ring drops the oldest', () => {
  const s = new Series(3);
  s.sample(snap({ a: 0 }), 1000);
  s.sample(snap({ a: 5 }), 2000);
  s.sample(snap({ a: 7, b: 1 }), 3000);
  expect(s.all()).toEqual([{ listener: 'L', times: [1, 2, 3], destinations: [{ key: 'a', values: [0, 5, 2] }, { key: 'b', values: [null, null, 1] }] }]);
  s.sample(snap({ a: 3, b: 4 }), 4000); // a's counter restarted (a new table): 3 new ones
  expect(s.all()[0]).toEqual({ listener: 'L', times: [2, 3, 4], destinations: [{ key: 'a', values: [5, 2, 3] }, { key: 'b', values: [null, 1, 3] }] });
  expect(s.window(1)[0]).toEqual({ listener: 'L', times: [4], destinations: [{ key: 'a', values: [3] }, { key: 'b', values: [3] }] });
  s.sample(snap({ b: 4 }), 5000);
  expect(s.all()[0]?.destinations.map((d) => d.key)).toEqual(['b']);
});

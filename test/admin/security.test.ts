/**
 * Admin security: with a token, no mutating request gets through without it (whatever the path or
 * method); the token comes from --admin-token or TCPSHIFT_ADMIN_TOKEN and never shows in logs; the admin
 * server binds 127.0.0.1 unless told otherwise.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app';
import type { RunResult } from '../../src/reconcile/reconciler';
import { testAppConfig } from '../helpers/app';
import { MAIN, tcpshift } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const TOKEN = 'adm1n-t0ken';
const METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'];
const PATHS = ['/reconcile', '/suspend', '/resume', '/webhook', '/status', '/config', '/metrics', '/healthz', '/readyz', '/', '/reconcile/'];

async function instance(): Promise<{ app: App; base: string; runs: RunResult[] }> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir, { admin: { host: '127.0.0.1', port: 0, token: TOKEN } }), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  const runs: RunResult[] = [];
  app.reconciler.onRun((r) => runs.push(r));
  return { app, base: `http://127.0.0.1:${app.adminPort}`, runs };
}

test('with a token, no mutating request without it succeeds or changes anything, on any path', async () => {
  const { app, base, runs } = await instance();
  const before = app.reconciler.status();
  const answers: { method: string; path: string; auth: string; status: number }[] = [];
  for (const method of METHODS) {
    for (const path of PATHS) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
        const res = await fetch(`${base}${path}`, { method, headers, body: '{}' });
        answers.push({ method, path, auth: headers.authorization ?? '', status: res.status });
        await res.arrayBuffer();
      }
    }
  }
  // Every answer is an error (a failure names the request), and a mutating path without the right token is 401.
  expect(answers.filter((a) => a.status < 400)).toEqual([]);
  const mutating = answers.filter((a) => a.method === 'POST' && ['/reconcile', '/suspend', '/resume'].includes(a.path));
  expect(mutating).toHaveLength(12);
  expect(mutating.filter((a) => a.status !== 401)).toEqual([]);
  expect(runs).toEqual([]);
  const after = app.reconciler.status() as typeof before & { suspended?: boolean };
  expect(after.suspended ?? false).toBe(false);
  expect(after.lastAppliedRevision).toBe(before.lastAppliedRevision);
  // Reads need no token; the right token lets a reconcile through.
  expect((await fetch(`${base}/status`)).status).toBe(200);
  const ok = await fetch(`${base}/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(ok.status).toBe(200);
  expect(runs).toHaveLength(1);
});

test('`run` binds the admin server to 127.0.0.1 by default and takes the token from TCPSHIFT_ADMIN_TOKEN, never logging it', async () => {
  expect(tcpshift(['run', '--help']).stdout).toMatch(/--admin <host:port>[^-]*\(default:\s+127\.0\.0\.1:15000[,)]/);
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const dir = tempDir();
  const state = tempDir();
  h.defer(async () => { dir.cleanup(); state.cleanup(); });
  for (const [name, text] of Object.entries(split8020Files(ports))) writeFileSync(join(dir.dir, name), text);
  const adminPort = await freePort();
  // `:port` gives no host: the default host applies.
  const p = spawn(process.execPath, [MAIN, 'run', '--dir', dir.dir, '--state-dir', state.dir, '--admin', `:${adminPort}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TCPSHIFT_ADMIN_TOKEN: TOKEN } });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  await waitFor(() => out.includes('"outcome":"applied"'), 10_000, 'first apply');
  const listening = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'admin server listening');
  expect(listening).toMatchObject({ host: '127.0.0.1', port: adminPort });
  const base = `http://127.0.0.1:${adminPort}`;
  expect((await fetch(`${base}/reconcile`, { method: 'POST' })).status).toBe(401);
  expect((await fetch(`${base}/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  p.kill('SIGTERM');
  await exited;
  expect(out).not.toContain(TOKEN);
});

/**
 * The admin API is not reachable from a web page: a foreign Host (DNS rebinding) is refused on every
 * path; a mutating request with a foreign Origin, or one a browser sends without a preflight (no JSON
 * content type, no X-Tcpshift-Request, no Authorization), is refused; the webhook is exempt from the
 * latter (it is signed) but not from the Host rule. Bearer is case-insensitive; an aborted webhook body
 * is one rate-limited warning, not an error per request. Raw HTTP requests; status codes asserted.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { startApp, type App } from '../../src/app';
import { sign } from '../../src/admin/webhook';
import { testAppConfig } from '../helpers/app';
import { tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs } from '../helpers/logs';
import { freePort, waitFor } from '../helpers/net';
import { startRun } from '../helpers/run-process';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const SECRET = 'hook-secret';
const TOKEN = 'adm1n-t0ken';

async function instance(opts: { token?: string } = {}): Promise<{ app: App; port: number; logs: ReturnType<typeof captureLogs> }> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const logs = captureLogs('warn');
  const app = await startApp(testAppConfig(repo.dir, state.dir, {
    admin: { host: '127.0.0.1', port: 0, allowedHosts: ['tcpshift.internal'], ...(opts.token ? { token: opts.token } : {}) },
    webhookSecret: SECRET,
  }), logs.log);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  return { app, port: app.adminPort, logs };
}

/** One raw request; `host: null` sends none (HTTP/1.0). Resolves with the status code. */
function raw(port: number, method: string, path: string, headers: Record<string, string | null> = {}, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const hs: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== null) hs[k] = v;
    const req = request({ host: '127.0.0.1', port, method, path, headers: hs, setHost: !('host' in headers) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const suspended = (app: App) => (app.reconciler.status() as { suspended?: boolean }).suspended ?? false;

test('a foreign Host is refused on every path; loopback names, the own address and --admin-allowed-hosts are served', async () => {
  const { port } = await instance();
  for (const path of ['/status', '/config', '/metrics', '/healthz', '/readyz']) {
    expect([path, await raw(port, 'GET', path, { host: `attacker.example:${port}` })]).toEqual([path, 403]);
  }
  expect(await raw(port, 'POST', '/reconcile', { host: 'attacker.example', 'x-tcpshift-request': '1' })).toBe(403);
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `127.3.2.1:${port}`, `[::1]:${port}`, `tcpshift.internal:${port}`, 'localhost']) {
    expect([host, await raw(port, 'GET', '/status', { host })]).toEqual([host, 200]);
  }
  expect(await raw(port, 'GET', '/status', { host: `127.0.0.1.attacker.example:${port}` })).toBe(403);
  expect(await raw(port, 'GET', '/status', { host: `localhost.attacker.example` })).toBe(403);
});

test('mutating requests a browser could send cross-site without a preflight are refused; JSON, the custom header or a bearer token pass', async () => {
  const { app, port } = await instance();
  for (const headers of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'multipart/form-data; boundary=x' }] as Record<string, string>[]) {
    expect([headers, await raw(port, 'POST', '/suspend?reason=csrf', headers)]).toEqual([headers, 403]);
  }
  expect(suspended(app)).toBe(false);
  // A foreign Origin is refused even with the header; so is `null` and a local page on another port.
  for (const origin of ['http://attacker.example', 'null', `http://localhost:${port + 1}`, `https://127.0.0.1:${port}`]) {
    expect([origin, await raw(port, 'POST', '/suspend', { origin, 'x-tcpshift-request': '1', 'content-type': 'application/json' })]).toEqual([origin, 403]);
  }
  expect(suspended(app)).toBe(false);

  expect(await raw(port, 'POST', '/suspend', { 'content-type': 'application/json; charset=utf-8' })).toBe(200);
  expect(suspended(app)).toBe(true);
  expect(await raw(port, 'POST', '/resume', { 'x-tcpshift-request': '1', origin: `http://127.0.0.1:${port}` })).toBe(200);
  expect(suspended(app)).toBe(false);
  expect(await raw(port, 'POST', '/reconcile', { authorization: 'Bearer anything' })).toBe(200);
  // Reads stay simple: a GET needs none of it.
  expect(await raw(port, 'GET', '/status', { origin: 'http://attacker.example' })).toBe(200);
});

test('the CLI sends what the admin API asks for: tcpshift suspend and resume work', async () => {
  const { app, port } = await instance();
  expect((await tcpshiftAsync(['suspend', '--reason', 'cli', '--admin', `127.0.0.1:${port}`])).code).toBe(0);
  expect(suspended(app)).toBe(true);
  expect((await tcpshiftAsync(['resume', '--admin', `127.0.0.1:${port}`])).code).toBe(0);
  expect(suspended(app)).toBe(false);
});

test('the webhook needs an allowed Host but not the custom header (it is signed)', async () => {
  const { port } = await instance();
  const body = '{"ref":"refs/heads/main"}';
  const signed = { 'x-tcpshift-signature': sign(SECRET, body), 'content-type': 'text/plain' };
  expect(await raw(port, 'POST', '/webhook', { ...signed, host: 'attacker.example' }, body)).toBe(403);
  expect(await raw(port, 'POST', '/webhook', signed, body)).toBe(202);
  expect(await raw(port, 'POST', '/webhook', { ...signed, origin: 'http://attacker.example' }, body)).toBe(202);
});

test('the bearer scheme is case-insensitive; a wrong, longer or shorter token is refused', async () => {
  const { port } = await instance({ token: TOKEN });
  const post = (authorization: string) => raw(port, 'POST', '/reconcile', { authorization });
  expect(await post(`Bearer ${TOKEN}`)).toBe(200);
  expect(await post(`bearer ${TOKEN}`)).toBe(200);
  expect(await post(`BEARER  ${TOKEN}`)).toBe(200);
  for (const bad of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', TOKEN, `Basic ${TOKEN}`, `Bearer x${TOKEN}`]) {
    expect([bad, await post(bad)]).toEqual([bad, 401]);
  }
});

test('aborted webhook bodies are one rate-limited warning, never an error with a stack', async () => {
  const { port, logs } = await instance();
  const abort = () => new Promise<void>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.write(`POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tcpshift-Signature: sha256=00\r\nContent-Length: 1000\r\n\r\n{"ref":`);
      setTimeout(() => s.destroy(), 20);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
  await Promise.all(Array.from({ length: 20 }, abort));
  await waitFor(() => logs.lines.some((l) => l.msg === 'webhook body aborted'), 3000, 'the warning');
  await raw(port, 'GET', '/healthz');
  // At most one a second: far fewer lines than aborts.
  const warned = logs.lines.filter((l) => l.msg === 'webhook body aborted').length;
  expect(warned).toBeGreaterThanOrEqual(1);
  expect(warned).toBeLessThan(20);
  expect(logs.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
});

test('`run` takes extra Host names from TCPSHIFT_ADMIN_ALLOWED_HOSTS (or --admin-allowed-hosts)', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const dir = h.folder(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => state.cleanup());
  const admin = await freePort();
  const run = startRun(h, ['--dir', dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${admin}`, '--listen-host', '127.0.0.1', '--no-watch'],
    { env: { TCPSHIFT_ADMIN_ALLOWED_HOSTS: 'tcpshift.test, Other.Test' } });
  await run.line((l) => l.outcome === 'applied', 10_000, 'first apply');
  expect(await raw(admin, 'GET', '/status', { host: `tcpshift.test:${admin}` })).toBe(200);
  expect(await raw(admin, 'GET', '/status', { host: 'other.test' })).toBe(200);
  expect(await raw(admin, 'GET', '/status', { host: 'third.test' })).toBe(403);
  run.signal('SIGTERM');
  expect(await run.exited).toBe(0);
});

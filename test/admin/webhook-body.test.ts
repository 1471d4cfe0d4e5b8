/**
 * The generic webhook reads its body as JSON whatever the content type (`curl -d` sends a form type):
 * a push to the branch reconciles, a push to another branch is ignored, a body that is not JSON is
 * 400. GitHub's form encoding (`payload=`) is kept for GitHub's header. The README's curl example runs as written.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app';
import { sign, verifyWebhook } from '../../src/admin/webhook';
import type { RunResult } from '../../src/reconcile/reconciler';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

const SECRET = 'generic-secret';
const opts = { secret: SECRET, branch: 'main' };
const FORM = 'application/x-www-form-urlencoded';
const push = (ref: string) => JSON.stringify({ ref });

describe('verifyWebhook, generic signature', () => {
  const cases: [string, string | undefined, string, string, string | null][] = [
    ['JSON type, the branch', 'application/json', push('refs/heads/main'), 'reconcile', 'refs/heads/main'],
    ['form type (curl -d), the branch', FORM, push('refs/heads/main'), 'reconcile', 'refs/heads/main'],
    ['form type, another branch', FORM, push('refs/heads/other'), 'ignored', 'refs/heads/other'],
    ['no type, another branch', undefined, push('refs/heads/other'), 'ignored', 'refs/heads/other'],
    ['text/plain, the branch', 'text/plain', push('refs/heads/main'), 'reconcile', 'refs/heads/main'],
    ['form type, not JSON', FORM, 'ref=refs/heads/main', 'bad-request', null],
    ['JSON type, not JSON', 'application/json', '{"ref":', 'bad-request', null],
  ];
  test.each(cases)('%s', (_name, type, body, action, ref) => {
    const headers = { 'x-tcpshift-signature': sign(SECRET, body), ...(type ? { 'content-type': type } : {}) };
    const v = verifyWebhook(headers, Buffer.from(body), opts);
    expect(v.action).toBe(action);
    if (ref !== null) expect(v).toMatchObject({ ref });
  });

  test("GitHub's form encoding is still read for GitHub's header", () => {
    const body = `payload=${encodeURIComponent(push('refs/heads/other'))}`;
    const v = verifyWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': sign(SECRET, body), 'content-type': FORM }, Buffer.from(body), opts);
    expect(v).toMatchObject({ action: 'ignored', ref: 'refs/heads/other' });
  });
});

async function instance(): Promise<{ app: App; port: number; runs: RunResult[] }> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [100, 0] }));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir, { webhookSecret: SECRET }), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  const runs: RunResult[] = [];
  app.reconciler.onRun((r) => runs.push(r));
  return { app, port: app.adminPort, runs };
}

/** The README's generic example (the ```sh block with X-Tcpshift-Signature), pointed at `port`. */
function readmeExample(port: number): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const m = /```sh\n(body='[^\n]*\n[^`]*X-Tcpshift-Signature[^`]*)```/.exec(readme);
  if (!m?.[1]) throw new Error('README: no generic webhook example');
  return m[1].replace(/127\.0\.0\.1:15000/g, `127.0.0.1:${port}`);
}

function sh(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { env: { ...process.env, ...env } }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
  });
}

test("the README's curl example, as written, reconciles; with another branch it is ignored; a form body is 400", async () => {
  const { port, runs } = await instance();
  const script = readmeExample(port);
  expect(JSON.parse(await sh(script, { TCPSHIFT_WEBHOOK_SECRET: SECRET }))).toEqual({ action: 'reconcile', ref: 'refs/heads/main' });
  await waitFor(() => runs.length === 1, 5000, 'the run the webhook started');

  const other = script.replace("body='{\"ref\":\"refs/heads/main\"}'", "body='{\"ref\":\"refs/heads/other\"}'");
  expect(other).not.toBe(script);
  expect(JSON.parse(await sh(other, { TCPSHIFT_WEBHOOK_SECRET: SECRET }))).toMatchObject({ action: 'ignored' });

  const form = script.replace("body='{\"ref\":\"refs/heads/main\"}'", "body='ref=refs/heads/main'");
  expect(JSON.parse(await sh(`${form.trim()} -w '\\n{"status":%{http_code}}' | tail -n 1`, { TCPSHIFT_WEBHOOK_SECRET: SECRET }))).toEqual({ status: 400 });
  // Only the first call ran anything: a run started by either later call would come before this one.
  await fetch(`http://127.0.0.1:${port}/reconcile`, { method: 'POST', headers: { 'x-tcpshift-request': '1' } });
  expect(runs).toHaveLength(2);
});

/** POST /webhook: signature checks (pure, table-driven) and the route on a real instance — accepted pushes reconcile, nothing else does. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { startApp, type App } from '../../src/app';
import { sign, signatureMatches, tokenMatches, verifyWebhook, type WebhookVerdict } from '../../src/admin/webhook';
import type { RunResult } from '../../src/reconcile/reconciler';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

const SECRET = "It's a Secret to Everybody";
const opts = { secret: SECRET, branch: 'main' };
const push = (ref: string) => Buffer.from(JSON.stringify({ ref, after: 'abc', repository: { name: 'config' } }));

describe('verifyWebhook', () => {
  // GitHub's documented test vector for X-Hub-Signature-256.
  test('matches the example signature in GitHub docs', () => {
    const body = Buffer.from('Hello, World!');
    expect(signatureMatches(SECRET, body, 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17')).toBe(true);
    expect(sign(SECRET, body)).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  const body = push('refs/heads/main');
  const gh = (extra: Record<string, string> = {}) => ({ 'x-github-event': 'push', 'x-hub-signature-256': sign(SECRET, body), 'content-type': 'application/json', ...extra });
  const cases: [string, Record<string, string | string[]>, Buffer, WebhookVerdict['action'], string | null][] = [
    ['GitHub push to the branch', gh(), body, 'reconcile', 'refs/heads/main'],
    ['GitHub push to another branch', { ...gh(), 'x-hub-signature-256': sign(SECRET, push('refs/heads/dev')) }, push('refs/heads/dev'), 'ignored', null],
    ['GitHub tag push', { ...gh(), 'x-hub-signature-256': sign(SECRET, push('refs/tags/v1')) }, push('refs/tags/v1'), 'ignored', null],
    ['GitHub ping', gh({ 'x-github-event': 'ping' }), body, 'pong', null],
    ['GitHub other event', gh({ 'x-github-event': 'issues' }), body, 'ignored', null],
    ['GitHub wrong secret', gh({ 'x-hub-signature-256': sign('other', body) }), body, 'unauthorized', null],
    ['GitHub body changed after signing', gh(), push('refs/heads/mainx'), 'unauthorized', null],
    ['GitHub signature not hex', gh({ 'x-hub-signature-256': 'sha256=zz' }), body, 'unauthorized', null],
    ['GitHub SHA-1 signature only', { 'x-github-event': 'push', 'x-hub-signature': 'sha1=0000' }, body, 'unauthorized', null],
    ['GitHub signature header repeated', { ...gh(), 'x-hub-signature-256': [sign(SECRET, body), sign(SECRET, body)] }, body, 'unauthorized', null],
    ['GitHub form-encoded payload', { ...gh(), 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': sign(SECRET, `payload=${encodeURIComponent(body.toString())}`) }, Buffer.from(`payload=${encodeURIComponent(body.toString())}`), 'reconcile', null],
    ['GitHub push that is not JSON', { ...gh(), 'x-hub-signature-256': sign(SECRET, 'nope') }, Buffer.from('nope'), 'bad-request', null],
    ['GitLab push to the branch', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, body, 'reconcile', null],
    ['GitLab wrong token', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${SECRET}!` }, body, 'unauthorized', null],
    ['GitLab empty token', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': '' }, body, 'unauthorized', null],
    ['GitLab tag push', { 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': SECRET }, body, 'ignored', null],
    ['generic with a ref', { 'x-tcpshift-signature': sign(SECRET, body) }, body, 'reconcile', null],
    ['generic, empty body', { 'x-tcpshift-signature': sign(SECRET, '') }, Buffer.alloc(0), 'reconcile', null],
    ['generic to another branch', { 'x-tcpshift-signature': sign(SECRET, push('refs/heads/x')) }, push('refs/heads/x'), 'ignored', null],
    ['generic wrong signature', { 'x-tcpshift-signature': sign('x', body) }, body, 'unauthorized', null],
    ['no signature at all', { 'x-github-event': 'push' }, body, 'unauthorized', null],
  ];
  test.each(cases)('%s', (_name, headers, b, action, ref) => {
    const v = verifyWebhook(headers, b, opts);
    expect(v.action).toBe(action);
    if (ref !== null) expect(v).toMatchObject({ ref });
  });

  test('tokens compare by digest: any length, never equal to a prefix', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'ab')).toBe(false);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', undefined)).toBe(false);
  });
});

interface Instance { app: App; repo: GitRepo; url: string; runs: RunResult[]; logs: Record<string, unknown>[]; gateway: number; v2: number; v1: number }

async function instance(secret: string | undefined): Promise<Instance> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [100, 0] }));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk: Buffer, _e, cb) { logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  const app = await startApp(testAppConfig(repo.dir, state.dir, secret ? { webhookSecret: secret } : {}), pino({ level: 'info' }, stream));
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied');
  const runs: RunResult[] = [];
  app.reconciler.onRun((r) => runs.push(r));
  return { app, repo, url: `http://127.0.0.1:${app.adminPort}/webhook`, runs, logs, ...ports };
}

/**
 * The triggers of the runs finished so far, once one more run ('barrier') has run. A route triggers
 * before it answers, so any run a request started is finished (or joined) by then: no sleep needed.
 */
async function triggersAfterBarrier(app: App, logs: Record<string, unknown>[]): Promise<unknown[]> {
  await app.reconciler.trigger('barrier');
  return logs.filter((l) => l.msg === 'reconcile finished').map((l) => l.trigger);
}

function post(url: string, body: Buffer | string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('POST /webhook on a running instance', () => {
  test('a signed GitHub push to the branch answers 202 and applies the new commit', async () => {
    const { app, repo, url, runs, gateway, v1, v2 } = await instance(SECRET);
    const sha = repo.commit(routeFiles({ gateway, v1: [v1], v2: [v2], weights: [0, 100] }));
    const body = push('refs/heads/main');
    const res = await post(url, body, { 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': sign(SECRET, body) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ action: 'reconcile', ref: 'refs/heads/main' });
    await waitFor(() => app.reconciler.status().lastAppliedRevision === sha, 5000, 'webhook to apply');
    expect(runs).toEqual([expect.objectContaining({ outcome: 'applied', revision: sha })]);
    expect(await connectAndSend(gateway, 'x')).toBe('two x\n');
  });

  test('a bad signature gets 401 and a warning, and never a reconcile', async () => {
    const { app, repo, url, runs, logs, gateway, v1, v2 } = await instance(SECRET);
    const before = app.reconciler.status().lastAppliedRevision;
    repo.commit(routeFiles({ gateway, v1: [v1], v2: [v2], weights: [0, 100] }));
    const body = push('refs/heads/main');
    const attempts: Record<string, string>[] = [
      { 'x-github-event': 'push', 'x-hub-signature-256': sign('wrong', body) },
      { 'x-github-event': 'push' },
      { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' },
      { 'x-tcpshift-signature': 'sha256=00' },
    ];
    for (const headers of attempts) {
      const res = await post(url, body, headers);
      expect(res.status).toBe(401);
    }
    expect(app.reconciler.status().lastAppliedRevision).toBe(before);
    expect(await triggersAfterBarrier(app, logs)).toEqual(['start', 'barrier']);
    const warnings = logs.filter((l) => l.msg === 'webhook rejected: bad signature');
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatchObject({ level: 40, provider: 'github', reason: 'signature mismatch' });
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  test('GitLab token and the generic HMAC header are accepted; another branch is acknowledged and ignored', async () => {
    const { app, url, runs, logs } = await instance(SECRET);
    const other = push('refs/heads/feature');
    const ignored = await post(url, other, { 'x-github-event': 'push', 'x-hub-signature-256': sign(SECRET, other) });
    expect(ignored.status).toBe(202);
    expect(await ignored.json()).toMatchObject({ action: 'ignored' });
    expect(logs.some((l) => l.msg === 'webhook ignored')).toBe(true);
    expect(await triggersAfterBarrier(app, logs)).toEqual(['start', 'barrier']);
    runs.splice(0);

    const gitlab = await post(url, push('refs/heads/main'), { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET });
    expect(gitlab.status).toBe(202);
    await waitFor(() => runs.length === 1, 5000, 'gitlab run');
    const generic = await post(url, '', { 'x-tcpshift-signature': sign(SECRET, '') });
    expect(generic.status).toBe(202);
    await waitFor(() => runs.length === 2, 5000, 'generic run');
    expect(runs.map((r) => r.outcome)).toEqual(['noop', 'noop']);
  });

  test('ping answers 200; a body over 1 MiB answers 413; GET answers 405', async () => {
    const { app, url, logs } = await instance(SECRET);
    const ping = Buffer.from('{"zen":"Keep it logically awesome."}');
    const pong = await post(url, ping, { 'x-github-event': 'ping', 'x-hub-signature-256': sign(SECRET, ping) });
    expect(pong.status).toBe(200);
    const big = Buffer.alloc((1 << 20) + 1, 0x20);
    const res = await post(url, big, { 'x-github-event': 'push', 'x-hub-signature-256': sign(SECRET, big) });
    expect(res.status).toBe(413);
    expect((await fetch(url)).status).toBe(405);
    expect(await triggersAfterBarrier(app, logs)).toEqual(['start', 'barrier']);
  });

  test('without a secret the webhook is disabled: 404 saying how to enable it', async () => {
    const { url, runs } = await instance(undefined);
    const body = push('refs/heads/main');
    const res = await post(url, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign('', body) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/--webhook-secret/) });
    expect(runs).toEqual([]);
  });
});

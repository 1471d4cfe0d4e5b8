/** The operator's levers: suspend/resume (the incident freeze), --revision pins, and the history of applied revisions. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { TcpProxy } from '../../src/proxy/proxy';
import { Reconciler } from '../../src/reconcile/reconciler';
import { GitSource } from '../../src/source/git';
import { TEST_COMPILE, testAppConfig } from '../helpers/app';
import { tcpshift, tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

interface Fixture { repo: GitRepo; state: string; gateway: number; files(w1: number, w2: number): Record<string, string> }

/** A repo serving tcp-echo 100/0 (v1 answers "one", v2 "two"). */
async function fixture(): Promise<Fixture> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number) => routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
  const repo = gitRepo(files(100, 0));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  return { repo, state: state.dir, gateway: ports.gateway, files };
}

/** A reconciler over its own proxy (both stopped at cleanup). */
function reconciler(f: Fixture, revision?: string): Reconciler & { proxy: TcpProxy } {
  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const source = new GitSource({ repo: f.repo.dir, branch: 'main', path: '', stateDir: f.state, limits: DEFAULT_LIMITS });
  const r = new Reconciler(source, proxy, silent, {
    compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir: f.state, intervalMs: 3_600_000,
    ...(revision ? { revision } : {}),
  });
  h.defer(() => r.stop());
  return Object.assign(r, { proxy });
}

/** Ten new connections; how many were answered by v2. */
async function v2Share(port: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < 10; i++) if ((await connectAndSend(port, 'x')).startsWith('two')) n++;
  return n;
}

describe('suspend and resume', () => {
  test('suspended: keeps serving and fetching, reports Suspended and the pending revision, applies nothing until resumed', async () => {
    const f = await fixture();
    const r = reconciler(f);
    expect((await r.trigger('t')).outcome).toBe('applied');
    const applied = f.repo.sha();
    const s = await r.suspend('incident 42');
    expect(s).toMatchObject({ suspended: true, suspendedReason: 'incident 42', reason: 'Suspended', pendingRevision: null, lastAppliedRevision: applied });

    const first = f.repo.commit(f.files(80, 20), 'Shift 20%');
    expect(await r.trigger('poll')).toMatchObject({ outcome: 'suspended', revision: first });
    expect(r.status()).toMatchObject({ suspended: true, reason: 'Suspended', pendingRevision: first, lastAppliedRevision: applied, ready: true });
    expect(r.status().message).toContain(`would apply ${first}`);
    expect(await v2Share(f.gateway)).toBe(0);

    const second = f.repo.commit(f.files(50, 50), 'Shift 50%');
    expect((await r.trigger('poll')).outcome).toBe('suspended');
    expect(r.status().pendingRevision).toBe(second); // still fetching: the newest commit is the pending one

    const resumed = await r.resume();
    expect(resumed).toMatchObject({ outcome: 'applied', revision: second });
    expect(r.status()).toMatchObject({ suspended: false, reason: 'ReconciliationSucceeded', pendingRevision: null, lastAppliedRevision: second });
    expect(await v2Share(f.gateway)).toBe(5);
  });

  test('a suspension survives a restart (persisted under --state-dir); an unreadable one stays suspended', async () => {
    const f = await fixture();
    const first = reconciler(f);
    expect((await first.trigger('t')).outcome).toBe('applied');
    await first.suspend();
    await first.stop();
    await first.proxy.close(0);
    f.repo.commit(f.files(80, 20));

    const second = reconciler(f);
    expect(await second.restore()).toBe(true);
    expect(second.status().suspended).toBe(true);
    expect((await second.trigger('t')).outcome).toBe('suspended');
    expect((await second.resume()).outcome).toBe('applied');
    await second.stop();
    await second.proxy.close(0);

    const third = reconciler(f);
    await third.restore();
    expect(third.status().suspended).toBe(false);
    writeFileSync(join(f.state, 'suspended.json'), '{broken');
    const fourth = reconciler(f);
    await fourth.restore();
    expect(fourth.status()).toMatchObject({ suspended: true, suspendedReason: 'unreadable suspension file' });
  });

  test('POST /suspend and /resume (token-protected) and the suspend/resume commands', async () => {
    const f = await fixture();
    const app = await startApp(testAppConfig(f.repo.dir, f.state, { admin: { host: '127.0.0.1', port: 0, token: 't0k' } }), silent);
    h.defer(() => app.stop(200));
    await waitFor(() => app.reconciler.status().lastOutcome === 'applied');
    const base = `http://127.0.0.1:${app.adminPort}`;
    expect((await fetch(`${base}/suspend`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/resume`, { method: 'POST' })).status).toBe(401);
    expect(app.reconciler.status().suspended).toBe(false);

    const admin = ['--admin', `127.0.0.1:${app.adminPort}`, '--admin-token', 't0k'];
    const sus = await tcpshiftAsync(['suspend', '--reason', 'incident 7', ...admin]);
    expect(sus.code).toBe(0);
    expect(sus.stdout).toMatch(/^suspended since \S+ \(incident 7\); serving [0-9a-f]{40}/);
    const sha = f.repo.commit(f.files(0, 100));
    const rec = await tcpshiftAsync(['reconcile', ...admin]);
    expect([rec.code, rec.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^suspended ${sha}`))]);
    const status = await tcpshiftAsync(['status', '--admin', `127.0.0.1:${app.adminPort}`]);
    expect(status.stdout).toMatch(/Ready:\s+True\s+reason Suspended/);
    expect(status.stdout).toContain(`would apply ${sha.slice(0, 12)}`);
    expect(await connectAndSend(f.gateway, 'x')).toBe('one x\n');

    const res = await tcpshiftAsync(['resume', ...admin]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^resumed: applied ${sha}`));
    expect(res.stdout).toContain('~ 127.0.0.1:');
    expect(await connectAndSend(f.gateway, 'x')).toBe('two x\n');
    expect((await tcpshiftAsync(['resume', '--admin', `127.0.0.1:${app.adminPort}`])).code).toBe(1); // no token
  });
});

describe('--revision pins a commit', () => {
  test('the pinned commit is applied although the branch has moved on; status says pinned', async () => {
    const f = await fixture();
    const pinned = f.repo.sha();
    const head = f.repo.commit(f.files(0, 100));
    const r = reconciler(f, pinned.slice(0, 10));
    expect(await r.trigger('t')).toMatchObject({ outcome: 'applied', revision: pinned });
    expect(r.status()).toMatchObject({ pinned: pinned.slice(0, 10), lastAppliedRevision: pinned, lastAttemptedRevision: pinned });
    expect(await v2Share(f.gateway)).toBe(0);
    f.repo.commit(f.files(50, 50));
    expect((await r.trigger('t')).outcome).toBe('noop');
    expect(r.status().lastAppliedRevision).toBe(pinned);
    expect(head).not.toBe(pinned);
  });

  test('a pinned commit the branch does not have is FetchFailed, and nothing is applied', async () => {
    const f = await fixture();
    const r = reconciler(f, 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef');
    const res = await r.trigger('t');
    expect(res.outcome).toBe('failed');
    expect(r.status()).toMatchObject({ reason: 'FetchFailed', lastAppliedRevision: null, fetchFailures: 1, pinned: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' });
    expect(r.status().message).toContain('deadbeef'); // names the revision; the wording is not asserted
  });

  test('tcpshift run refuses --revision with --dir, or a revision that is not a commit id', () => {
    expect(tcpshift(['run', '--dir', '.', '--revision', 'abcdef1']).code).toBe(2);
    const r = tcpshift(['run', '--repo', '.', '--revision', 'main']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--revision takes a commit id/);
  });
});

describe('history', () => {
  test('newest first, with author, subject and the rendered changes; at most 20', async () => {
    const f = await fixture();
    const r = reconciler(f);
    await r.trigger('t');
    const shas = [f.repo.sha()];
    for (let i = 1; i <= 21; i++) {
      shas.push(f.repo.commit(f.files(100 - i, i), `Shift ${i}% to v2`));
      expect((await r.trigger(`t${i}`)).outcome).toBe('applied');
    }
    const history = r.history();
    expect(history).toHaveLength(20);
    expect(history.map((e) => e.revision)).toEqual(shas.slice(-20).reverse());
    expect(history[0]).toMatchObject({ author: 'Test Author', subject: 'Shift 21% to v2', trigger: 't21', date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(history[0]!.changes).toEqual([expect.stringMatching(/tcp-echo v1 80% → 79%\s+v2 20% → 21%$/)]);
    expect(Date.parse(history[0]!.appliedAt)).toBeGreaterThanOrEqual(Date.parse(history[1]!.appliedAt));
    expect(r.status().history).toEqual(history);
  });

  test('tcpshift history prints them newest first, or as JSON', async () => {
    const f = await fixture();
    const app = await startApp(testAppConfig(f.repo.dir, f.state), silent);
    h.defer(() => app.stop(200));
    await waitFor(() => app.reconciler.status().lastOutcome === 'applied');
    const sha = f.repo.commit(f.files(80, 20), 'Shift 20% of tcp-echo to v2');
    await app.reconciler.trigger('manual');
    const admin = ['--admin', `127.0.0.1:${app.adminPort}`];
    const text = await tcpshiftAsync(['history', ...admin]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${sha.slice(0, 12)}  \\S+  Test Author  Shift 20% of tcp-echo to v2$`));
    expect(lines[1]).toMatch(/^ {4}~ 127\.0\.0\.1:\d+ tcp-echo v1 100% → 80%\s+\+?v2 0% → 20%$/);
    expect(lines[2]).toMatch(/^[0-9a-f]{12}  \S+  Test Author  initial$/);
    expect(lines[3]).toMatch(/^ {4}\+ listener 127\.0\.0\.1:/);
    const json = await tcpshiftAsync(['history', '-o', 'json', ...admin]);
    expect((JSON.parse(json.stdout) as { revision: string }[]).map((e) => e.revision)).toEqual([sha, expect.any(String)]);
  });
});

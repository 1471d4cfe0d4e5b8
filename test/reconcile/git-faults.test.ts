/**
 * Git faults at the reconciler level, on a running instance: the last good table keeps serving through
 * an unreachable or deleted remote (FetchFailed, retried with capped backoff), credentials stay out of
 * status, logs and the state dir, history rewrites and reverts are followed by SHA, and a damaged
 * cache is re-cloned without a restart.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app';
import { backoffDelay } from '../../src/reconcile/backoff';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs, summaries } from '../helpers/logs';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { allV1Files, split8020Files, type WalkthroughPorts } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

interface Instance {
  app: App;
  repo: GitRepo;
  ports: WalkthroughPorts;
  state: string;
  lines: Record<string, unknown>[];
}

/** A running instance following a bare repo through its file:// URL (a "remote"), all-v1 applied. */
async function instance(opts: { intervalMs?: number; repoUrl?: string } = {}): Promise<Instance> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(allV1Files(ports), { bare: true });
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const { log, lines } = captureLogs('debug');
  const app = await startApp(testAppConfig(opts.repoUrl ?? repo.url, state.dir, { intervalMs: opts.intervalMs ?? 600_000 }), log);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome !== null, 10_000, 'first run');
  return { app, repo, ports, state: state.dir, lines };
}

/** The first word of each of ten answers ('one' / 'two'), counted. */
async function split(port: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < 10; i++) {
    const who = (await connectAndSend(port, `x${i}`)).split(' ')[0] ?? '';
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

/** Every file under `dir`, recursively. */
function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('backoffDelay', () => {
  test.each([
    // failures, base, cap, rng → delay
    [1, 500, 10_000, 1, 500],
    [1, 500, 10_000, 0, 250],
    [2, 500, 10_000, 1, 1000],
    [5, 500, 10_000, 1, 8000],
    [6, 500, 10_000, 1, 10_000], // 16 s, capped at the interval
    [1000, 500, 10_000, 0, 5000], // no overflow; jitter keeps at least half
    [1, 500, 400, 1, 400], // an interval below the base caps the first retry too
    [3, 500, 400, 0.5, 300],
  ])('failure %i (base %i, cap %i, rng %p) → %i ms', (n, base, cap, r, want) => {
    expect(backoffDelay(n, base, cap, () => r)).toBe(want);
  });

  test('never exceeds the cap and never drops below half of the exponential step', () => {
    for (let n = 1; n <= 40; n++) {
      const step = Math.min(10_000, 500 * 2 ** (n - 1));
      for (const r of [0, 0.3, 0.999]) {
        const d = backoffDelay(n, 500, 10_000, () => r);
        expect(d).toBeLessThanOrEqual(10_000);
        expect(d).toBeGreaterThanOrEqual(step / 2);
      }
    }
  });
});

describe('an unreachable remote', () => {
  test('repo moved away: FetchFailed, Ready stays true, old table serving, retries capped at the interval; converges when it is back', async () => {
    const { app, repo, ports, lines } = await instance({ intervalMs: 400 });
    const good = repo.sha();
    expect(app.reconciler.status()).toMatchObject({ ready: true, lastAppliedRevision: good });
    const away = `${repo.dir}.away`;
    renameSync(repo.dir, away);
    const failedAt = () => summaries(lines).filter((l) => l.outcome === 'failed').map((l) => l.time as number);
    await waitFor(() => failedAt().length >= 5, 5000, 'five failed fetches');
    const s = app.reconciler.status();
    expect(s).toMatchObject({ ready: true, reason: 'FetchFailed', lastAppliedRevision: good });
    expect(s.fetchFailures).toBeGreaterThanOrEqual(5);
    expect(s.source).toMatch(/^git file:\/\//);
    expect(summaries(lines).filter((l) => l.outcome === 'failed')[0]).toMatchObject({ level: 40, reason: 'FetchFailed', next: 'retry' });
    // Backoff: base 500 ms capped at the 400 ms interval, jittered into [200, 400] ms (plus the run itself).
    const times = failedAt();
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(180);
      expect(g).toBeLessThan(800);
    }
    expect(await split(ports.gateway)).toEqual({ one: 10 });
    const admin = await (await fetch(`http://127.0.0.1:${app.adminPort}/readyz`)).text();
    expect(admin).toBe('ready\n');

    renameSync(away, repo.dir);
    const next = repo.commit(split8020Files(ports), 'Shift 20% to v2');
    await waitFor(() => app.reconciler.status().lastAppliedRevision === next, 3000, 'converged');
    expect(app.reconciler.status()).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', fetchFailures: 0 });
    expect(await split(ports.gateway)).toEqual({ one: 8, two: 2 });
  });

  test('retries back off from 500 ms, doubling, well below a long poll interval', async () => {
    // With a 60 s interval, only the backoff brings the next attempts: without it the second
    // failure would come a minute later and the wait below times out.
    const gone = tempDir();
    gone.cleanup();
    const { app, lines } = await instance({ intervalMs: 60_000, repoUrl: `file://${gone.dir}` });
    const failedAt = () => summaries(lines).filter((l) => l.outcome === 'failed').map((l) => l.time as number);
    await waitFor(() => failedAt().length >= 4, 15_000, 'four failed fetches');
    expect(app.reconciler.status()).toMatchObject({ reason: 'FetchFailed' });
    expect(app.reconciler.status().fetchFailures).toBeGreaterThanOrEqual(4);
    // A timer never fires early, so each gap is at least the lower half of its jittered step:
    // after failure n the delay is in [250·2^(n-1), 500·2^(n-1)] ms (5 ms slack for clock rounding).
    const t = failedAt();
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(250 - 5);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(500 - 5);
    expect(t[3]! - t[2]!).toBeGreaterThanOrEqual(1000 - 5);
  });

  test('repo deleted and re-created with unrelated history: served throughout, then followed by SHA', async () => {
    const { app, repo, ports } = await instance();
    const good = repo.sha();
    rmSync(repo.dir, { recursive: true, force: true });
    expect((await app.reconciler.trigger('test')).outcome).toBe('failed');
    expect(app.reconciler.status()).toMatchObject({ ready: true, reason: 'FetchFailed', lastAppliedRevision: good, fetchFailures: 1 });
    expect(await split(ports.gateway)).toEqual({ one: 10 });
    // A new repository at the same address, whose history shares nothing with the old one.
    const fresh = gitRepo(split8020Files(ports), { bare: true });
    h.defer(async () => fresh.cleanup());
    const freshSha = fresh.sha();
    renameSync(fresh.dir, repo.dir);
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: freshSha, outcome: 'applied' });
    expect(app.reconciler.status()).toMatchObject({ ready: true, fetchFailures: 0 });
    expect(app.reconciler.status().lastAppliedRevision).not.toBe(good);
    expect(await split(ports.gateway)).toEqual({ one: 8, two: 2 });
  });

  test('credentials in the URL never reach status, logs, the admin API or the state dir', async () => {
    const url = 'http://deploy-user:s3cr3t-t0ken@127.0.0.1:1/org/config.git';
    const { app, lines, state } = await instance({ repoUrl: url });
    await waitFor(() => app.reconciler.status().reason === 'FetchFailed', 5000, 'FetchFailed');
    expect((await app.reconciler.trigger('test')).outcome).toBe('failed');
    const s = app.reconciler.status();
    expect(s).toMatchObject({ ready: false, reason: 'FetchFailed', lastAppliedRevision: null });
    expect(s.message).toContain('http://***@127.0.0.1:1/org/config.git');
    expect(s.source).toBe('git http://***@127.0.0.1:1/org/config.git branch main');
    const base = `http://127.0.0.1:${app.adminPort}`;
    const everything = [
      JSON.stringify(s), JSON.stringify(lines),
      await (await fetch(`${base}/status`)).text(), await (await fetch(`${base}/metrics`)).text(), await (await fetch(`${base}/config`)).text(),
      ...allFiles(state).map((f) => `${f}\n${readFileSync(f, 'latin1')}`),
    ];
    expect(lines.length).toBeGreaterThan(0);
    for (const text of everything) {
      expect(text).not.toContain('s3cr3t');
      expect(text).not.toContain('deploy-user');
    }
  });
});

test('an authentication failure (HTTP 401) is a FetchFailed like any other, credentials redacted', async () => {
  let asked = 0;
  const server = createServer((_req, res) => {
    asked++;
    res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' });
    res.end('denied\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  h.defer(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  const port = (server.address() as { port: number }).port;
  const { app, lines } = await instance({ repoUrl: `http://deploy-user:s3cr3t-t0ken@127.0.0.1:${port}/org/config.git` });
  await waitFor(() => app.reconciler.status().reason === 'FetchFailed', 5000, 'FetchFailed');
  const s = app.reconciler.status();
  expect(asked).toBeGreaterThan(0);
  expect(s.message).toMatch(/Authentication failed|could not read|401/i);
  for (const text of [JSON.stringify(s), JSON.stringify(lines)]) {
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('deploy-user');
  }
});

describe('rewritten history', () => {
  test('a force-push that rewrites the applied commit is followed (no fast-forward assumption)', async () => {
    const { app, repo, ports } = await instance();
    const old = repo.sha();
    for (const [name, text] of Object.entries(split8020Files(ports))) writeFileSync(join(repo.work, name), text);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--amend', '-m', 'rewritten: 80/20 from the start');
    repo.git('push', '-q', '--force', repo.dir, 'HEAD:refs/heads/main');
    const rewritten = repo.sha();
    expect(() => repo.git('merge-base', '--is-ancestor', old, rewritten)).toThrow();
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: rewritten, outcome: 'applied' });
    expect(await split(ports.gateway)).toEqual({ one: 8, two: 2 });
  });

  test('branch deleted: FetchFailed naming it, old table serving; re-created: applied', async () => {
    const { app, repo, ports } = await instance();
    const good = repo.sha();
    repo.deleteBranch();
    expect((await app.reconciler.trigger('test')).outcome).toBe('failed');
    const s = app.reconciler.status();
    expect(s).toMatchObject({ ready: true, reason: 'FetchFailed', lastAppliedRevision: good });
    expect(s.message).toContain('main'); // names the branch; the wording is not asserted
    expect(await split(ports.gateway)).toEqual({ one: 10 });
    const again = repo.commit(split8020Files(ports), 'branch re-created');
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: again, outcome: 'applied' });
    expect(app.reconciler.status()).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', fetchFailures: 0 });
  });

  test('a revert to an older tree, and force-pushes back to older commits, are each applied', async () => {
    const { app, repo, ports } = await instance();
    const a = repo.sha();
    const b = repo.commit(split8020Files(ports), 'Shift 20% to v2');
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: b, outcome: 'applied' });
    repo.git('revert', '--no-edit', 'HEAD');
    repo.git('push', '-q', repo.dir, 'HEAD:refs/heads/main');
    const c = repo.sha();
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: c, outcome: 'applied' });
    expect(await split(ports.gateway)).toEqual({ one: 10 });
    // Back to B by force: a commit applied before, not the serving one → applied again.
    repo.git('push', '-q', '--force', repo.dir, `${b}:refs/heads/main`);
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: b, outcome: 'applied' });
    expect(await split(ports.gateway)).toEqual({ one: 8, two: 2 });
    repo.git('push', '-q', '--force', repo.dir, `${a}:refs/heads/main`);
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: a, outcome: 'applied' });
    expect(await split(ports.gateway)).toEqual({ one: 10 });
    expect(app.reconciler.status()).toMatchObject({ ready: true, lastAppliedRevision: a, lastAttemptedRevision: a });
  });
});

describe('a damaged cache is re-cloned without a restart', () => {
  const cacheOf = (state: string): string => {
    const [key] = readdirSync(join(state, 'cache'));
    return join(state, 'cache', key!);
  };

  test('cache folder deleted between runs', async () => {
    const { app, repo, ports, state, lines } = await instance();
    rmSync(join(state, 'cache'), { recursive: true, force: true });
    expect((await app.reconciler.trigger('test')).outcome).toBe('noop');
    const next = repo.commit(split8020Files(ports));
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: next, outcome: 'applied' });
    expect(lines.filter((l) => l.msg === 'git cache created')).toHaveLength(2);
    expect(await split(ports.gateway)).toEqual({ one: 8, two: 2 });
  });

  test('every object of the cache overwritten with junk: repaired by the retry loop, traffic untouched', async () => {
    const { app, repo, ports, state, lines } = await instance({ intervalMs: 300 });
    const cache = cacheOf(state);
    for (const f of allFiles(join(cache, 'objects'))) {
      rmSync(f, { force: true });
      writeFileSync(f, 'junk');
    }
    writeFileSync(join(cache, 'HEAD'), 'garbage\n');
    const next = repo.commit(split8020Files(ports));
    expect(await split(ports.gateway)).toEqual({ one: 10 });
    await waitFor(() => app.reconciler.status().lastAppliedRevision === next, 5000, 'applied after the repair');
    // The first run created the cache; the repair is the warning, logged at least once, and a second creation.
    expect(lines.filter((l) => l.msg === 'git cache damaged; re-creating it').length).toBeGreaterThanOrEqual(1);
    expect(lines.find((l) => l.msg === 'git cache damaged; re-creating it')).toMatchObject({ level: 40 });
    expect(lines.filter((l) => l.msg === 'git cache created').length).toBeGreaterThanOrEqual(2);
    expect(app.reconciler.status()).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded' });
    expect(await split(ports.gateway)).toEqual({ one: 8, two: 2 });
  });
});

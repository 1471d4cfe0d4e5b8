/** Reconciler behaviour beyond the walkthrough: coalescing, the summary log line, persistence and fetch failures. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { startApp } from '../../src/app';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { TcpProxy } from '../../src/proxy/proxy';
import { Reconciler, type RunResult } from '../../src/reconcile/reconciler';
import { GitSource } from '../../src/source/git';
import { TEST_COMPILE, testAppConfig } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { allV1Files, split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

async function fixture() {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(allV1Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  return { ports, repo, state: state.dir };
}

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { log: pino({ level: 'info' }, stream), lines };
}

function reconciler(repoDir: string, stateDir: string, log = silent) {
  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const source = new GitSource({ repo: repoDir, branch: 'main', path: '', stateDir, limits: DEFAULT_LIMITS });
  const r = new Reconciler(source, proxy, log, {
    compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir, intervalMs: 60_000,
  });
  h.defer(() => r.stop());
  return { proxy, r };
}

test('a burst of triggers during a run coalesces into exactly one more run', async () => {
  const { repo, state } = await fixture();
  const { r } = reconciler(repo.dir, state);
  const runs: RunResult[] = [];
  r.onRun((res) => runs.push(res));
  const all = await Promise.all(Array.from({ length: 10 }, (_, i) => r.trigger(`burst ${i}`)));
  expect(runs.map((x) => x.outcome)).toEqual(['applied', 'noop']);
  expect(all[0]!.outcome).toBe('applied');
  expect(all.slice(1).every((x) => x === all[1])).toBe(true);
});

test('each run logs exactly one summary line with revision, outcome, changes and durationMs', async () => {
  const { repo, state, ports } = await fixture();
  const { log, lines } = capture();
  const { r } = reconciler(repo.dir, state, log);
  await r.trigger('t1');
  await r.trigger('t2');
  const bad = split8020Files(ports);
  bad['tcp-echo-all-v1.yaml'] = bad['tcp-echo-all-v1.yaml']!.replace('subset: v2', 'subset: v9');
  repo.commit(bad);
  await r.trigger('t3');
  const summaries = lines.filter((l) => l.msg === 'reconcile finished');
  expect(summaries.map((l) => l.outcome)).toEqual(['applied', 'noop', 'rejected']);
  for (const s of summaries) {
    expect(s).toEqual(expect.objectContaining({ revision: expect.stringMatching(/^[0-9a-f]{40}$/), changes: expect.any(Array), durationMs: expect.any(Number) }));
  }
  expect(summaries[0]!.changes).toEqual([expect.stringMatching(/^\+ listener 127\.0\.0\.1:\d+/)]);
  expect(summaries[2]).toMatchObject({ level: 40, reason: 'ValidationFailed', next: 'wait-for-commit', errors: [expect.stringMatching(/^tcp-echo-all-v1\.yaml:\d+:\d+: UNKNOWN_SUBSET: /)] });
});

test('a restart serves the persisted revision before Git answers, and reports FetchFailed', async () => {
  const { repo, state, ports } = await fixture();
  const first = reconciler(repo.dir, state);
  expect((await first.r.trigger('t')).outcome).toBe('applied');
  const sha = repo.sha();
  await first.r.stop();
  await first.proxy.close(0);
  const moved = `${repo.dir}-gone`;
  const second = reconciler(moved, state);
  expect(await second.r.restore()).toBe(true);
  expect(second.r.applied()?.commit).toMatchObject({ author: 'Test Author', subject: expect.any(String) });
  expect((await connectAndSend(ports.gateway, 'back')).startsWith('one back')).toBe(true);
  const res = await second.r.trigger('t');
  expect(res.outcome).toBe('failed');
  expect(second.r.status()).toMatchObject({ ready: true, reason: 'FetchFailed', lastAppliedRevision: sha, fetchFailures: 1 });
});

test('a corrupt state file is ignored; Git is then used', async () => {
  const { repo, state } = await fixture();
  require('node:fs').writeFileSync(`${state}/applied.json`, '{not json');
  const { r } = reconciler(repo.dir, state);
  expect(await r.restore()).toBe(false);
  expect((await r.trigger('t')).outcome).toBe('applied');
});

test('startApp polls: a commit is picked up within the interval without a watch', async () => {
  const { repo, state, ports } = await fixture();
  const app = await startApp(testAppConfig(repo.dir, state, { intervalMs: 200 }), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied');
  const sha = repo.commit(split8020Files(ports));
  await waitFor(() => app.reconciler.status().lastAppliedRevision === sha, 3000, 'poll to apply');
});

/**
 * Status while a run is in flight (issue 9): a run held at a chosen step by a gate the test opens.
 * Also coalesced triggers, a suspend that arrives mid-run, serialized suspend/resume, and a manual
 * run on a rejected head (issue 14).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as net from 'node:net';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { buildDesired } from '../../src/model/desired';
import { TcpProxy } from '../../src/proxy/proxy';
import type { Builder, TableSink } from '../../src/reconcile/context';
import { Reconciler } from '../../src/reconcile/reconciler';
import type { ReconcileStatus } from '../../src/reconcile/status';
import { GitSource } from '../../src/source/git';
import type { Source } from '../../src/source/types';
import { TEST_COMPILE } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

/** A gate a step waits at while closed; `entered` counts the waits begun. */
class Gate {
  private open: Promise<void> = Promise.resolve();
  private release: () => void = () => {};
  entered = 0;
  close(): void {
    this.open = new Promise((r) => { this.release = r; });
  }
  opened(): void {
    this.release();
    this.open = Promise.resolve();
  }
  async pass(): Promise<void> {
    this.entered += 1;
    await this.open;
  }
}

interface Fixture {
  repo: GitRepo; state: string; gateway: number; files(w1: number, w2: number, gateway?: number): Record<string, string>;
  r: Reconciler; fetch: Gate; build: Gate; swaps: ReconcileStatus[];
}

/** tcp-echo 100/0 committed; a reconciler whose fetch and build wait at gates, and whose sink records status just after each swap. */
async function fixture(): Promise<Fixture> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number, gateway = ports.gateway) => routeFiles({ gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
  const repo = gitRepo(files(100, 0));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const fetch = new Gate();
  const build = new Gate();
  const git = new GitSource({ repo: repo.dir, branch: 'main', path: '', stateDir: state.dir, limits: DEFAULT_LIMITS });
  const source: Source = {
    resolve: async () => { await fetch.pass(); return git.resolve(); },
    read: (rev) => git.read(rev),
    describe: () => git.describe(),
  };
  const builder: Builder = async (snap) => { await build.pass(); return buildDesired(snap.files, TEST_COMPILE, DEFAULT_LIMITS); };
  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const swaps: ReconcileStatus[] = [];
  // Like an HTTP request would, read the status on the next macrotask after the swap resolved.
  const sink: TableSink = { swap: async (t) => { await proxy.swap(t); setImmediate(() => swaps.push(r.status())); } };
  const r = new Reconciler(source, sink, silent, {
    compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir: state.dir, intervalMs: 3_600_000, build: builder,
  });
  h.defer(() => r.stop());
  h.defer(async () => { fetch.opened(); build.opened(); }); // a failed expectation must not leave stop() waiting on a held run
  return { repo, state: state.dir, gateway: ports.gateway, files, r, fetch, build, swaps };
}

async function v2Share(port: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < 10; i++) if ((await connectAndSend(port, 'x')).startsWith('two')) n++;
  return n;
}

test('while a run is in flight status says Progressing with reconciling {revision, step, since}; the rest changes when it ends', async () => {
  const f = await fixture();
  expect((await f.r.trigger('t')).outcome).toBe('applied');
  const old = f.repo.sha();
  const before = f.r.status();
  const next = f.repo.commit(f.files(0, 100));
  f.build.close();
  const entered = f.build.entered;
  const run = f.r.trigger('watch');
  await waitFor(() => f.build.entered > entered, 15_000, 'the build to start');
  const during = f.r.status();
  expect(during).toMatchObject({
    reason: 'Progressing',
    reconciling: { revision: next, step: 'build', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    lastAttemptedRevision: old, lastAttemptedAt: before.lastAttemptedAt, lastOutcome: 'applied',
    lastAppliedRevision: old, lastAppliedAt: before.lastAppliedAt, ready: true,
  });
  expect(during.message).toContain(next);
  expect(await v2Share(f.gateway)).toBe(0);
  f.build.opened();
  expect(await run).toMatchObject({ outcome: 'applied', revision: next });
  const after = f.r.status();
  expect(after).toMatchObject({ reason: 'ReconciliationSucceeded', reconciling: null, lastAttemptedRevision: next, lastAppliedRevision: next, lastOutcome: 'applied' });
  expect(after.lastAttemptedAt).toBe(after.lastAppliedAt);
  expect(await v2Share(f.gateway)).toBe(10);
  // The first status read after the swap already names the revision being served.
  expect(f.swaps.at(-1)).toMatchObject({ lastAppliedRevision: next, reconciling: null });
});

test('a run held at fetch is not Progressing yet (a poll that finds nothing new changes nothing), but reconciling says fetch', async () => {
  const f = await fixture();
  await f.r.trigger('t');
  f.fetch.close();
  const run = f.r.trigger('poll');
  await waitFor(() => f.fetch.entered > 1, 15_000, 'the fetch to start');
  expect(f.r.status()).toMatchObject({ reason: 'ReconciliationSucceeded', reconciling: { revision: null, step: 'fetch' } });
  f.fetch.opened();
  expect((await run).outcome).toBe('noop');
  expect(f.r.status()).toMatchObject({ reconciling: null });
});

test('coalesced triggers: the latest reason wins and force sticks, so a manual reconcile queued behind a watch run re-attempts a failed apply', async () => {
  const f = await fixture();
  await f.r.trigger('t');
  const busy = net.createServer();
  await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
  const busyPort = (busy.address() as net.AddressInfo).port;
  const failing = f.repo.commit(f.files(100, 0, busyPort));
  expect(await f.r.trigger('watch')).toMatchObject({ outcome: 'failed', revision: failing });
  await new Promise<void>((res) => busy.close(() => res()));
  expect((await f.r.trigger('watch')).outcome).toBe('noop'); // not forced: a failed apply waits for a new commit

  f.fetch.close();
  const first = f.r.trigger('watch');
  await waitFor(() => f.fetch.entered > 3, 15_000, 'the watch run to fetch');
  const watch = f.r.trigger('watch');
  const manual = f.r.trigger('manual', true);
  const poll = f.r.trigger('poll');
  f.fetch.opened();
  expect((await first).outcome).toBe('noop');
  expect(await manual).toMatchObject({ outcome: 'applied', revision: failing });
  expect(await watch).toBe(await manual);
  expect(await poll).toBe(await manual);
  expect(f.r.history()[0]).toMatchObject({ revision: failing, trigger: 'poll' });
});

test('a suspend that arrives while a run is past fetch stops it before apply', async () => {
  const f = await fixture();
  await f.r.trigger('t');
  const old = f.repo.sha();
  const next = f.repo.commit(f.files(0, 100));
  f.build.close();
  const entered = f.build.entered;
  const run = f.r.trigger('watch');
  await waitFor(() => f.build.entered > entered, 15_000, 'the build to start');
  await f.r.suspend('incident 9');
  f.build.opened();
  expect(await run).toMatchObject({ outcome: 'suspended', revision: next });
  expect(f.r.status()).toMatchObject({ suspended: true, reason: 'Suspended', pendingRevision: next, lastAppliedRevision: old, reconciling: null });
  expect(await v2Share(f.gateway)).toBe(0);
  expect(await f.r.resume()).toMatchObject({ outcome: 'applied', revision: next });
  expect(await v2Share(f.gateway)).toBe(10);
});

test('interleaved suspend and resume calls leave suspended.json exactly as memory says', async () => {
  const f = await fixture();
  await f.r.trigger('t');
  const file = join(f.state, 'suspended.json');
  for (const last of ['resume', 'suspend'] as const) {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 21; i++) calls.push((i % 2 === 0) === (last === 'resume') ? f.r.resume() : f.r.suspend(`s${i}`));
    await Promise.all(calls);
    expect(f.r.status().suspended).toBe(last === 'suspend');
    expect(existsSync(file)).toBe(last === 'suspend');
  }
});

test('a manual reconcile of a rejected head says rejected, with the errors; a poll of it stays a quiet noop', async () => {
  const f = await fixture();
  await f.r.trigger('t');
  const bad = f.files(80, 20);
  bad['routes.yaml'] = bad['routes.yaml']!.replace('subset: v2', 'subset: v9');
  const sha = f.repo.commit(bad);
  expect((await f.r.trigger('watch')).outcome).toBe('rejected');
  expect((await f.r.trigger('poll')).outcome).toBe('noop');
  const manual = await f.r.trigger('manual', true);
  expect(manual).toMatchObject({ outcome: 'rejected', revision: sha, error: expect.any(String), errors: [expect.stringMatching(/^routes\.yaml:\d+:\d+: UNKNOWN_SUBSET: /)] });
  expect(f.r.status()).toMatchObject({ reason: 'ValidationFailed', lastAttemptedRevision: sha, ready: false });
});

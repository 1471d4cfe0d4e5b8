/** Progressive rollouts in the reconciler: real git repos, a real proxy, real backends (healthy, refusing, resetting), injected speed. */
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import type { RoutingTable } from '../../src/model/types';
import { TcpProxy } from '../../src/proxy/proxy';
import { Reconciler } from '../../src/reconcile/reconciler';
import { GitSource } from '../../src/source/git';
import { TEST_COMPILE } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { rolloutPolicy, split, weightedFiles } from '../helpers/rollout';

const h = new Harness();
afterEach(() => h.cleanup());

const FAST = '  steps: [20, 50]\n  stepDuration: 300ms\n  analysis:\n    interval: 100ms\n    threshold: 2\n    maxConnectFailurePercent: 1\n';

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  return { log: pino({ level: 'info' }, stream), lines };
}

/** A backend that accepts and resets every connection at once (the proxy passes the reset on and counts it failed). */
async function resetting(): Promise<number> {
  const server = createServer((s) => s.resetAndDestroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  h.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function setup(v2: boolean | 'resetting', policy = FAST) {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: v2 === 'resetting' ? await resetting() : v2 ? await h.echo('two') : await freePort() };
  const repo = gitRepo(weightedFiles(ports, 100, 0, { 'rollout.yaml': rolloutPolicy(policy) }));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const served: string[] = [];
  const sink = { swap: async (t: RoutingTable) => { await proxy.swap(t); served.push(split(t)); }, counters: () => proxy.counters() };
  const { log, lines } = capture();
  const source = new GitSource({ repo: repo.dir, branch: 'main', path: '', stateDir: state.dir, limits: DEFAULT_LIMITS });
  const r = new Reconciler(source, sink, log, { compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir: state.dir, intervalMs: 60_000, rolloutTickMs: 20 });
  h.defer(() => r.stop());
  return { ports, repo, proxy, served, lines, r, state: state.dir };
}

/** Keeps connecting through the gateway until stopped (errors are the point when v2 refuses). */
function traffic(port: number): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) await connectAndSend(port, 'x', { timeoutMs: 2000 }).catch(() => undefined);
  })();
  return async () => { on = false; await loop; };
}

test('a commit that changes governed weights is walked there in steps; the revision is applied at the last one', async () => {
  const { repo, r, served, lines, ports } = await setup(true);
  expect((await r.trigger('first')).outcome).toBe('applied');
  const first = repo.sha();
  expect(served).toEqual(['100/0']);
  const target = repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(FAST) }), '0/100');
  const run = await r.trigger('commit');
  expect(run.outcome).toBe('rolling');
  let st = r.status();
  expect(st).toMatchObject({ ready: true, reason: 'RolloutProgressing', lastAppliedRevision: first });
  expect(st.rollouts).toEqual([expect.objectContaining({ target: 'default/tcp-echo', revision: target, phase: 'Progressing', step: 1, steps: 3 })]);
  expect(served).toEqual(['100/0', '80/20']);
  // A poll while it walks finds nothing to do (the revision is not started again).
  expect((await r.trigger('poll')).outcome).toBe('noop');
  r.start();
  await waitFor(() => r.status().lastAppliedRevision === target, 10_000, () => JSON.stringify(r.status().rollouts));
  st = r.status();
  expect(served).toEqual(['100/0', '80/20', '50/50', '0/100']);
  expect(st).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', lastAttemptedRevision: target });
  expect(st.rollouts[0]).toMatchObject({ phase: 'Succeeded', step: 3, shares: { 'tcp-echo|v1|9000': 0, 'tcp-echo|v2|9000': 100 } });
  expect(st.history[0]?.revision).toBe(target);
  expect(st.history[0]?.changes).toContainEqual('rollout default/tcp-echo: 80/20, 50/50, 0/100 (3 of 3 steps, 300ms each)');
  const steps = lines.filter((l) => l.msg === 'rollout step');
  expect(steps.map((l) => [l.step, l.shares])).toEqual([
    [2, { 'tcp-echo|v1|9000': 50, 'tcp-echo|v2|9000': 50 }], [3, { 'tcp-echo|v1|9000': 0, 'tcp-echo|v2|9000': 100 }],
  ]);
  expect(lines.filter((l) => l.msg === 'rollout started')).toHaveLength(1);
  expect(lines.filter((l) => l.msg === 'rollout succeeded')).toHaveLength(1);
});

test('a commit that does not change governed weights never waits', async () => {
  const { repo, r, served, ports } = await setup(true);
  await r.trigger('first');
  const files = weightedFiles(ports, 100, 0, { 'rollout.yaml': rolloutPolicy(FAST), 'extra.yaml': '# a comment only\n' });
  const next = repo.commit(files, 'no weight change');
  expect((await r.trigger('commit')).outcome).toBe('applied');
  expect(r.status().lastAppliedRevision).toBe(next);
  expect(served).toEqual(['100/0']);
});

test('failed checks abort: the applied revision serves again, Ready=False, RolloutAborted naming check, step and value; not retried', async () => {
  const { repo, r, served, lines, ports, proxy } = await setup(false);
  await r.trigger('first');
  const first = repo.sha();
  const broken = repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(FAST.replace('stepDuration: 300ms', 'stepDuration: 1h')) }), 'toward a refusing v2');
  expect((await r.trigger('commit')).outcome).toBe('rolling');
  const stop = traffic(ports.gateway);
  r.start();
  await waitFor(() => r.status().reason === 'RolloutAborted', 15_000, () => JSON.stringify(r.status().rollouts));
  await stop();
  const st = r.status();
  expect(st).toMatchObject({ ready: false, lastAppliedRevision: first, lastAttemptedRevision: broken, lastAttemptedOutcome: 'rejected' });
  expect(st.message).toMatch(/^v2 connect failures \d+(\.\d+)?% > 1% at step 1\/3 \(20%\)$/);
  expect(st.rollouts[0]).toMatchObject({ phase: 'Aborted', step: 1 });
  expect(served).toEqual(['100/0', '80/20', '100/0']);
  expect(split(proxy.table)).toBe('100/0');
  expect(lines.filter((l) => l.msg === 'rollout aborted')).toHaveLength(1);
  expect(lines.filter((l) => l.msg === 'rollout check failed').length).toBeGreaterThanOrEqual(2);
  // Not retried until the branch moves, even by a forced run.
  expect((await r.trigger('poll')).outcome).toBe('noop');
  expect((await r.trigger('manual', true)).outcome).toBe('rejected');
  expect(served).toEqual(['100/0', '80/20', '100/0']);
  // A fixing commit (back to v1 only) applies at once: it does not change the served weights.
  const fixed = repo.commit(weightedFiles(ports, 100, 0, { 'rollout.yaml': rolloutPolicy(FAST) }), 'back');
  expect((await r.trigger('commit')).outcome).toBe('applied');
  expect(r.status()).toMatchObject({ ready: true, lastAppliedRevision: fixed, reason: 'ReconciliationSucceeded' });
});

test('a backend that resets every connection fails the failed-connections check and aborts (connects succeed)', async () => {
  const policy = '  steps: [20, 50]\n  stepDuration: 1h\n  analysis:\n    interval: 100ms\n    threshold: 2\n    maxConnectFailurePercent: 100\n    maxFailedPercent: 5\n';
  const { repo, r, served, ports } = await setup('resetting', policy);
  await r.trigger('first');
  const first = repo.sha();
  repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(policy) }), 'toward a resetting v2');
  expect((await r.trigger('commit')).outcome).toBe('rolling');
  const stop = traffic(ports.gateway);
  r.start();
  await waitFor(() => r.status().reason === 'RolloutAborted', 15_000, () => JSON.stringify(r.status().rollouts));
  await stop();
  const st = r.status();
  expect(st).toMatchObject({ ready: false, lastAppliedRevision: first });
  expect(st.message).toMatch(/^v2 failed connections \d+(\.\d+)?% > 5% at step 1\/3 \(20%\)$/);
  expect(st.rollouts[0]?.checks).toContainEqual(expect.objectContaining({ name: 'failed', ok: false }));
  expect(served).toEqual(['100/0', '80/20', '100/0']);
});

test('a newer commit during a rollout starts a new one from the shares served at that moment', async () => {
  const { repo, r, served, ports } = await setup(true, FAST.replace('stepDuration: 300ms', 'stepDuration: 1h'));
  await r.trigger('first');
  const slow = rolloutPolicy(FAST.replace('stepDuration: 300ms', 'stepDuration: 1h'));
  repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': slow }), '0/100');
  await r.trigger('commit');
  expect(served).toEqual(['100/0', '80/20']);
  const newer = repo.commit(weightedFiles(ports, 50, 50, { 'rollout.yaml': slow }), '50/50');
  expect((await r.trigger('commit')).outcome).toBe('rolling');
  // from 80/20 toward 50/50: 20% of the way is 74/26.
  expect(served).toEqual(['100/0', '80/20', '74/26']);
  expect(r.status().rollouts).toEqual([expect.objectContaining({ revision: newer, step: 1, shares: { 'tcp-echo|v1|9000': 74, 'tcp-echo|v2|9000': 26 } })]);
});

/** A real webhook server answering `status`; records the bodies. */
async function webhook(status: () => number): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const http = await import('node:http');
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => { bodies.push(JSON.parse(body)); res.writeHead(status()).end(); });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  h.defer(() => new Promise((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}/check`, bodies };
}

test('a webhook answering 500 aborts the rollout; its payload names the rollout, revision, step and shares', async () => {
  const hook = await webhook(() => 500);
  const policy = `  steps: [20, 50]\n  stepDuration: 1h\n  analysis:\n    interval: 50ms\n    threshold: 2\n    webhooks:\n    - name: smoke\n      url: ${hook.url}\n`;
  const { repo, r, ports, served } = await setup(true, policy);
  await r.trigger('first');
  const next = repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(policy) }), '0/100');
  await r.trigger('commit');
  r.start();
  await waitFor(() => r.status().reason === 'RolloutAborted', 10_000);
  expect(r.status().message).toBe('smoke: HTTP 500 at step 1/3 (20%)');
  expect(hook.bodies[0]).toEqual({ rollout: 'default/tcp-echo', revision: next, step: 1, shares: { 'tcp-echo|v1|9000': 80, 'tcp-echo|v2|9000': 20 } });
  expect(served).toEqual(['100/0', '80/20', '100/0']);
});

test('manual control: pause holds the step while checks go on, resume and promote finish it; abort rolls back', async () => {
  const policy = '  steps: [20, 50]\n  stepDuration: 200ms\n  analysis:\n    interval: 30ms\n    maxConnectFailurePercent: 1\n';
  const { repo, r, ports, served } = await setup(true, policy);
  await r.trigger('first');
  const next = repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(policy) }), '0/100');
  await r.trigger('commit');
  expect(await r.rollout('pause')).toBe(true);
  r.start();
  expect(r.status().rollouts[0]?.phase).toBe('Paused');
  // Checks keep running while paused: wait for several rounds, the step holds.
  const seen = new Set<string>();
  await waitFor(() => { for (const c of r.status().rollouts[0]?.checks ?? []) seen.add(c.at); return seen.size >= 8; }, 10_000);
  expect(r.status().rollouts[0]).toMatchObject({ phase: 'Paused', step: 1, nextStepAt: null });
  expect(served).toEqual(['100/0', '80/20']);
  expect(await r.rollout('promote')).toBe(true);
  expect(r.status()).toMatchObject({ lastAppliedRevision: next, reason: 'ReconciliationSucceeded' });
  expect(served).toEqual(['100/0', '80/20', '0/100']);
  expect(await r.rollout('promote')).toBe(false);

  const back = repo.commit(weightedFiles(ports, 100, 0, { 'rollout.yaml': rolloutPolicy(policy.replace('200ms', '1h')) }), 'back to v1');
  expect((await r.trigger('commit')).outcome).toBe('rolling');
  expect(await r.rollout('abort')).toBe(true);
  expect(r.status()).toMatchObject({ ready: false, reason: 'RolloutAborted', message: 'aborted by hand at step 1/3 (20%)', lastAppliedRevision: next, lastAttemptedRevision: back });
  expect(served).toEqual(['100/0', '80/20', '0/100', '20/80', '0/100']);
});

test('a restart mid-rollout continues at the same step with the same shares, with Git gone, and finishes', async () => {
  const policy = '  steps: [20, 50]\n  stepDuration: 150ms\n  analysis:\n    interval: 50ms\n';
  const { repo, r, ports, state, proxy: before } = await setup(true, policy);
  await r.trigger('first');
  const first = repo.sha();
  const next = repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(policy) }), '0/100');
  await r.trigger('commit');
  r.start();
  await waitFor(() => r.status().rollouts[0]?.step === 2, 10_000);
  await r.rollout('pause');
  await r.stop();
  await before.close(0);
  const { renameSync } = await import('node:fs');
  renameSync(repo.dir, `${repo.dir}-gone`);
  h.defer(async () => renameSync(`${repo.dir}-gone`, repo.dir));

  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const source = new GitSource({ repo: repo.dir, branch: 'main', path: '', stateDir: state, limits: DEFAULT_LIMITS });
  const again = new Reconciler(source, { swap: (t) => proxy.swap(t), counters: () => proxy.counters() }, silent, {
    compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir: state, intervalMs: 60_000, rolloutTickMs: 20,
  });
  h.defer(() => again.stop());
  expect(await again.restore()).toBe(true);
  expect(split(proxy.table)).toBe('50/50');
  expect(again.status()).toMatchObject({ lastAppliedRevision: first, reason: 'RolloutProgressing' });
  expect(again.status().rollouts[0]).toMatchObject({ revision: next, phase: 'Paused', step: 2, shares: { 'tcp-echo|v1|9000': 50, 'tcp-echo|v2|9000': 50 } });
  again.start();
  await waitFor(() => again.status().fetchFailures > 0, 10_000);
  expect(again.status().rollouts[0]?.step).toBe(2);
  await again.rollout('resume');
  await waitFor(() => again.status().lastAppliedRevision === next, 10_000);
  expect(split(proxy.table)).toBe('0/100');
});

test('suspended: the checks go on but no step moves until resumed', async () => {
  const policy = '  steps: [20, 50]\n  stepDuration: 100ms\n  analysis:\n    interval: 30ms\n    maxConnectFailurePercent: 1\n';
  const { repo, r, ports, served } = await setup(true, policy);
  await r.trigger('first');
  const next = repo.commit(weightedFiles(ports, 0, 100, { 'rollout.yaml': rolloutPolicy(policy) }), '0/100');
  await r.trigger('commit');
  await r.suspend('incident');
  r.start();
  const seen = new Set<string>();
  await waitFor(() => { for (const c of r.status().rollouts[0]?.checks ?? []) seen.add(c.at); return seen.size >= 6; }, 10_000);
  expect(r.status().rollouts[0]).toMatchObject({ phase: 'Progressing', step: 1 });
  expect(served).toEqual(['100/0', '80/20']);
  await r.resume();
  await waitFor(() => r.status().lastAppliedRevision === next, 10_000);
  expect(served).toEqual(['100/0', '80/20', '50/50', '0/100']);
});

/**
 * Issue 14: a noop poll logs at debug (info only when the outcome changes); status pairs each time
 * with its own run; history is persisted with the applied state and survives a restart with Git gone.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { TcpProxy } from '../../src/proxy/proxy';
import { Reconciler } from '../../src/reconcile/reconciler';
import { GitSource } from '../../src/source/git';
import { TEST_COMPILE } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { captureLogs, summaries } from '../helpers/logs';
import { connectAndSend, freePort } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

interface Fixture { repo: GitRepo; state: string; gateway: number; files(w1: number, w2: number): Record<string, string> }

async function fixture(): Promise<Fixture> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number) => routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
  const repo = gitRepo(files(100, 0), { bare: true });
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  return { repo, state: state.dir, gateway: ports.gateway, files };
}

function reconciler(f: Fixture, log: Logger = silent): Reconciler & { proxy: TcpProxy } {
  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const source = new GitSource({ repo: f.repo.url, branch: 'main', path: '', stateDir: f.state, limits: DEFAULT_LIMITS });
  const r = new Reconciler(source, proxy, log, { compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir: f.state, intervalMs: 3_600_000 });
  h.defer(() => r.stop());
  return Object.assign(r, { proxy });
}

test('a noop poll is a debug line; info only when the outcome changes', async () => {
  const f = await fixture();
  const { log, lines } = captureLogs('debug');
  const r = reconciler(f, log);
  for (let i = 0; i < 4; i++) await r.trigger('poll');
  const bad = f.files(80, 20);
  bad['routes.yaml'] = bad['routes.yaml']!.replace('subset: v2', 'subset: v9');
  f.repo.commit(bad);
  await r.trigger('poll');
  await r.trigger('poll');
  await r.trigger('poll');
  expect(summaries(lines).map((l) => [l.outcome, l.level])).toEqual([
    ['applied', 30], ['noop', 30], ['noop', 20], ['noop', 20], ['rejected', 40], ['noop', 30], ['noop', 20],
  ]);
});

test('attempted names the run that attempted a revision; lastRunAt and lastOutcome the last run', async () => {
  const f = await fixture();
  const r = reconciler(f);
  await r.trigger('t');
  const applied = r.status();
  expect(applied).toMatchObject({ lastOutcome: 'applied', lastAttemptedOutcome: 'applied', lastRunAt: expect.any(String) });
  await r.trigger('poll');
  const polled = r.status();
  expect(polled).toMatchObject({
    lastOutcome: 'noop', lastAttemptedOutcome: 'applied', lastAttemptedAt: applied.lastAttemptedAt, lastAttemptedRevision: applied.lastAttemptedRevision,
  });
  const runAt = (st: object) => Date.parse((st as { lastRunAt?: string }).lastRunAt ?? '');
  expect(runAt(polled)).toBeGreaterThanOrEqual(runAt(applied));
});

test('history is persisted with the applied state: a restart with Git gone still lists it; attempted keeps its own time', async () => {
  const f = await fixture();
  const first = reconciler(f);
  await first.trigger('t');
  f.repo.commit(f.files(80, 20), 'Shift 20%');
  expect((await first.trigger('manual')).outcome).toBe('applied');
  const history = first.history();
  const before = first.status();
  expect(history.map((e) => e.subject)).toEqual(['Shift 20%', 'initial']);
  expect(JSON.parse(readFileSync(join(f.state, 'applied.json'), 'utf8'))).toMatchObject({ history });
  await first.stop();
  await first.proxy.close(0);

  renameSync(f.repo.dir, `${f.repo.dir}.away`);
  const second = reconciler(f);
  expect(await second.restore()).toBe(true);
  expect(second.history()).toEqual(history);
  expect(second.status()).toMatchObject({
    history, lastAppliedRevision: before.lastAppliedRevision, lastAppliedAt: before.lastAppliedAt,
    lastAttemptedRevision: before.lastAppliedRevision, lastAttemptedAt: before.lastAttemptedAt, lastAttemptedOutcome: 'applied',
    lastOutcome: null, lastRunAt: null, reconciling: null,
  });
  expect((await connectAndSend(f.gateway, 'x')).length).toBeGreaterThan(0);
  expect((await second.trigger('poll')).outcome).toBe('failed');
  expect(second.status()).toMatchObject({ history, reason: 'FetchFailed', lastOutcome: 'failed', lastAttemptedAt: before.lastAttemptedAt, lastRunAt: expect.any(String) });
});

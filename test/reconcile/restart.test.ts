/**
 * Restarts with Git down, through startApp: the persisted revision is served before the first fetch;
 * a corrupt or stale state file is reported and ignored (then tcpshift waits for Git).
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs, summaries } from '../helpers/logs';
import { connectAndSend, connectError, freePort, waitFor } from '../helpers/net';
import { split8020Files, type WalkthroughPorts } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

interface Fixture { repo: GitRepo; ports: WalkthroughPorts; state: string }

async function fixture(): Promise<Fixture> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports), { bare: true });
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  return { repo, ports, state: state.dir };
}

async function start(f: Fixture): Promise<{ app: App; lines: Record<string, unknown>[] }> {
  const { log, lines } = captureLogs();
  const app = await startApp(testAppConfig(f.repo.url, f.state), log);
  h.defer(() => app.stop(200)); // stopping twice is harmless
  return { app, lines };
}

async function split(port: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < 10; i++) {
    const who = (await connectAndSend(port, `x${i}`)).split(' ')[0] ?? '';
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

test('the applied revision is persisted atomically: one 0600 file, no temp file left', async () => {
  const f = await fixture();
  const { app } = await start(f);
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  await app.reconciler.trigger('test'); // status flips with the swap; the file is written just after, before the run resolves
  const file = join(f.state, 'applied.json');
  expect(readdirSync(f.state).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { revision: string; appliedAt: string; files: { path: string }[] };
  expect(saved).toMatchObject({ revision: f.repo.sha(), appliedAt: app.reconciler.status().lastAppliedAt });
  expect(saved.files.map((x) => x.path).sort()).toEqual(Object.keys(split8020Files(f.ports)).filter((p) => p.endsWith('.yaml')).sort());
});

test('a restart while Git is unreachable serves the persisted table before the first fetch, then converges', async () => {
  const f = await fixture();
  const first = await start(f);
  await waitFor(() => first.app.reconciler.status().lastOutcome === 'applied', 5000, 'applied');
  const before = first.app.reconciler.status();
  await first.app.stop(200);
  await expect(connectAndSend(f.ports.gateway, 'down')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

  renameSync(f.repo.dir, `${f.repo.dir}.away`);
  const second = await start(f);
  // startApp has resolved: the persisted table is live, whatever the first fetch does.
  expect(await split(f.ports.gateway)).toEqual({ one: 8, two: 2 });
  const restoredAt = second.lines.findIndex((l) => l.msg === 'serving the persisted revision until Git answers');
  expect(restoredAt).toBeGreaterThanOrEqual(0);
  expect(second.lines[restoredAt]).toMatchObject({ revision: before.lastAppliedRevision, listeners: 1 });
  await waitFor(() => summaries(second.lines).length > 0, 5000, 'first fetch');
  expect(second.lines.indexOf(summaries(second.lines)[0]!)).toBeGreaterThan(restoredAt);
  expect(second.app.reconciler.status()).toMatchObject({
    ready: true, reason: 'FetchFailed', lastAppliedRevision: before.lastAppliedRevision, lastAppliedAt: before.lastAppliedAt,
  });
  expect((await fetch(`http://127.0.0.1:${second.app.adminPort}/readyz`)).status).toBe(200);

  renameSync(`${f.repo.dir}.away`, f.repo.dir);
  expect(await second.app.reconciler.trigger('test')).toMatchObject({ revision: before.lastAppliedRevision, outcome: 'noop' });
  expect(second.app.reconciler.status()).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', fetchFailures: 0 });
});

test.each([
  ['not JSON', '{"version": 1, "revision": "abc", "files": ['],
  ['another format', JSON.stringify({ version: 99, revision: 'abc', appliedAt: 'now', files: [] })],
  ['a revision that no longer validates', JSON.stringify({
    version: 1, revision: 'f'.repeat(40), appliedAt: '2024-01-01T00:00:00.000Z',
    files: [{ path: 'bad.yaml', type: 'file', size: 9, content: Buffer.from('kind: [\n').toString('base64') }],
  })],
])('a state file that is %s is reported and ignored; tcpshift waits for Git', async (_what, body) => {
  const f = await fixture();
  writeFileSync(join(f.state, 'applied.json'), body);
  renameSync(f.repo.dir, `${f.repo.dir}.away`);
  const { app, lines } = await start(f);
  expect(lines.find((l) => l.msg === 'ignoring the persisted state; waiting for Git')).toMatchObject({ level: 50, stateDir: f.state });
  expect(await connectError(f.ports.gateway)).toBe('ECONNREFUSED');
  await waitFor(() => app.reconciler.status().reason === 'FetchFailed', 5000, 'FetchFailed');
  expect(app.reconciler.status()).toMatchObject({ ready: false, lastAppliedRevision: null });
  expect((await fetch(`http://127.0.0.1:${app.adminPort}/readyz`)).status).toBe(503);

  renameSync(`${f.repo.dir}.away`, f.repo.dir);
  expect(await app.reconciler.trigger('test')).toMatchObject({ revision: f.repo.sha(), outcome: 'applied' });
  expect(await split(f.ports.gateway)).toEqual({ one: 8, two: 2 });
  expect(existsSync(join(f.state, 'applied.json'))).toBe(true);
  expect(JSON.parse(readFileSync(join(f.state, 'applied.json'), 'utf8'))).toMatchObject({ version: 2, revision: f.repo.sha() });
});

/** The walkthrough through real git commits: reconciler + proxy + admin in-process, real sockets. */
import { startApp, type App } from '../../src/app';
import { Codes } from '../../src/errors';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, LineClient, waitFor } from '../helpers/net';
import { allV1Files, split8020Files, type WalkthroughPorts } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

async function setup(opts: { bare?: boolean; watch?: boolean; dir?: string } = {}): Promise<{ repo: GitRepo; app: App; ports: WalkthroughPorts; admin: string }> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(allV1Files(ports, opts.dir ?? ''), { bare: opts.bare ?? false });
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(opts.bare ? repo.url : repo.dir, state.dir, { path: opts.dir ?? '', watch: opts.watch ?? false }), silent);
  h.defer(() => app.stop(1000));
  await waitFor(() => app.reconciler.status().lastOutcome === 'applied');
  return { repo, app, ports, admin: `http://127.0.0.1:${app.adminPort}` };
}

async function tenAnswers(port: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 10; i++) out.push((await connectAndSend(port, `hello ${i}`)).split(' ')[0] ?? '');
  return out;
}

describe('walkthrough through git commits', () => {
  test('initial apply: ten connections all answer "one"', async () => {
    const { app, ports, repo } = await setup();
    expect(await tenAnswers(ports.gateway)).toEqual(Array(10).fill('one'));
    const s = app.reconciler.status();
    expect(s).toMatchObject({ ready: true, lastAppliedRevision: repo.sha(), lastAttemptedRevision: repo.sha(), lastOutcome: 'applied' });
  });

  test('the 80/20 commit: exactly 2 of the next 10 go to v2, and an open connection stays on v1', async () => {
    const { app, ports, repo } = await setup();
    const held = await LineClient.open(ports.gateway);
    h.defer(() => held.close());
    expect(await held.send('before')).toBe('one before');
    const sha = repo.commit(split8020Files(ports), 'Shift 20% to v2');
    const r = await app.reconciler.trigger('test');
    expect(r).toMatchObject({ revision: sha, outcome: 'applied' });
    expect(r.changes.join('\n')).toMatch(/80%/);
    const answers = await tenAnswers(ports.gateway);
    expect(answers.filter((a) => a === 'two')).toHaveLength(2);
    expect(answers.filter((a) => a === 'one')).toHaveLength(8);
    expect(await held.send('after')).toBe('one after');
  });

  test('an invalid commit is rejected whole, the old table keeps serving, then a fix is applied', async () => {
    const { app, ports, repo } = await setup();
    const good = repo.sha();
    const broken = split8020Files(ports);
    broken['tcp-echo-all-v1.yaml'] = broken['tcp-echo-all-v1.yaml']!.replace('weight: 20', 'weight: -20');
    const bad = repo.commit(broken, 'Oops: negative weight');
    const r = await app.reconciler.trigger('test');
    expect(r.outcome).toBe('rejected');
    const s = app.reconciler.status();
    expect(s).toMatchObject({ ready: false, reason: 'ValidationFailed', lastAppliedRevision: good, lastAttemptedRevision: bad });
    expect(s.message).toContain('tcp-echo-all-v1.yaml');
    expect(s.diagnostics.map((d) => d.code)).toContain(Codes.WEIGHT_NEGATIVE);
    expect(await tenAnswers(ports.gateway)).toEqual(Array(10).fill('one'));
    // not retried until the branch moves
    expect((await app.reconciler.trigger('test')).outcome).toBe('noop');
    const fixed = repo.commit(split8020Files(ports), 'Fix the weight');
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: fixed, outcome: 'applied' });
    expect(app.reconciler.status()).toMatchObject({ ready: true, lastAppliedRevision: fixed, lastAttemptedRevision: fixed });
  });

  test('an unchanged revision is a no-op; a new revision with an equal table is applied without a swap', async () => {
    const { app, ports, repo } = await setup();
    expect(await app.reconciler.trigger('test')).toMatchObject({ outcome: 'noop', changes: [] });
    const table = app.proxy.table;
    const sha = repo.commit({ 'README.md': 'docs only' }, 'Docs');
    expect(await app.reconciler.trigger('test')).toMatchObject({ revision: sha, outcome: 'applied', changes: [] });
    expect(app.proxy.table).toBe(table);
    expect(app.reconciler.status().lastAppliedRevision).toBe(sha);
    expect((await connectAndSend(ports.gateway, 'x')).startsWith('one')).toBe(true);
  });

  test('deleting the manifests closes the listener; an open connection keeps working', async () => {
    const { app, ports, repo } = await setup();
    const held = await LineClient.open(ports.gateway);
    h.defer(() => held.close());
    const files = Object.fromEntries(Object.keys(allV1Files(ports)).map((k) => [k, null]));
    repo.commit({ ...files, 'README.md': 'nothing routed' }, 'Cleanup');
    expect((await app.reconciler.trigger('test')).outcome).toBe('applied');
    await expect(connectAndSend(ports.gateway, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await held.send('still')).toBe('one still');
  });

  test('a file:// URL to a bare repo and a sub-path work', async () => {
    const { app, ports, repo } = await setup({ bare: true, dir: 'manifests' });
    expect(await tenAnswers(ports.gateway)).toEqual(Array(10).fill('one'));
    repo.commit(split8020Files(ports, 'manifests'));
    expect((await app.reconciler.trigger('test')).outcome).toBe('applied');
    expect((await tenAnswers(ports.gateway)).filter((a) => a === 'two')).toHaveLength(2);
  });

  test('with --path, errors name the file by its path in the repo', async () => {
    const { app, ports, repo } = await setup({ dir: 'manifests' });
    const bad = split8020Files(ports, 'manifests');
    bad['manifests/tcp-echo-all-v1.yaml'] = bad['manifests/tcp-echo-all-v1.yaml']!.replace('subset: v2', 'subset: v9');
    repo.commit(bad);
    expect((await app.reconciler.trigger('test')).outcome).toBe('rejected');
    expect(app.reconciler.status().message).toMatch(/^manifests\/tcp-echo-all-v1\.yaml:\d+:\d+: UNKNOWN_SUBSET: /);
  });

  test('deleting the whole --path folder is rejected (PATH_NOT_FOUND), not read as "no routes"', async () => {
    const { app, ports, repo } = await setup({ dir: 'manifests' });
    const good = repo.sha();
    const gone = Object.fromEntries(Object.keys(allV1Files(ports, 'manifests')).map((k) => [k, null]));
    repo.commit({ ...gone, 'README.md': 'moved away' }, 'Delete the folder');
    expect((await app.reconciler.trigger('test')).outcome).toBe('rejected');
    expect(app.reconciler.status()).toMatchObject({ lastAppliedRevision: good, reason: 'ValidationFailed' });
    expect(app.reconciler.status().diagnostics.map((d) => d.code)).toEqual([Codes.PATH_NOT_FOUND]);
    expect((await connectAndSend(ports.gateway, 'x')).startsWith('one')).toBe(true);
  });

  test('a commit to a local repo is served without any trigger (watch)', async () => {
    const { app, ports, repo } = await setup({ watch: true });
    const sha = repo.commit(split8020Files(ports));
    await waitFor(() => app.reconciler.status().lastAppliedRevision === sha, 3000);
  });
});

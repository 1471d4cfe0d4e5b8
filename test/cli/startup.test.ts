/**
 * Start-up mistakes of `tcpshift run` on a local repository: exit 1 at once with one line saying what
 * to do, instead of retrying forever. Also the admin address in use, and one instance per --state-dir.
 */
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindHint } from '../../src/errors';
import { closest } from '../../src/source/git-hints';
import { acquireStateLock } from '../../src/cli/state-lock';
import { startupErrorLine } from '../../src/cli/startup';
import { BindFailure } from '../../src/proxy/transport';
import { MAIN } from '../helpers/cli';
import { git, gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { allV1Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

const ports = { gateway: 31400, v1: 9000, v2: 9001 };

/** `tcpshift ...args` to its exit (killed at cleanup if it keeps running); resolves with the exit code and output. */
function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
  h.defer(async () => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); await done; });
  return done;
}

/** `tcpshift run ...args` on a fresh (or the given) state dir and admin port, to its exit. */
async function runOnce(args: string[], stateDir?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let state = stateDir;
  if (state === undefined) {
    const t = tempDir();
    h.defer(async () => t.cleanup());
    state = t.dir;
  }
  return runToExit(['run', '--state-dir', state, '--admin', `127.0.0.1:${await freePort()}`, '--log-format', 'json', '--interval', '1h', ...args]);
}

/** Exactly one line on stderr, starting `tcpshift run: `; nothing else printed. */
function oneLine(r: { stdout: string; stderr: string }): string {
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tcpshift run: /);
  return lines[0]!;
}

test('--repo at a folder that is not a repository: exit 1, mentions --dir', async () => {
  const dir = h.folder({ 'a.yaml': 'x: 1\n' });
  const r = await runOnce(['--repo', dir]);
  expect(r.code).toBe(1);
  expect(oneLine(r)).toMatch(new RegExp(`${dir} is not a git repository.*--dir ${dir}`));
});

test('--dir at a folder that does not exist: exit 1', async () => {
  const r = await runOnce(['--dir', '/nonexistent/tcpshift-routes']);
  expect(r.code).toBe(1);
  expect(oneLine(r)).toBe('tcpshift run: --dir /nonexistent/tcpshift-routes does not exist');
});

test('a repository with no commits: exit 1, says to commit', async () => {
  const t = tempDir();
  h.defer(async () => t.cleanup());
  git(t.dir, 'init', '-q', '-b', 'main');
  const r = await runOnce(['--repo', t.dir]);
  expect(r.code).toBe(1);
  expect(oneLine(r)).toMatch(/has no commits yet: commit the manifests first/);
});

test('a branch that does not exist: exit 1, lists the branches there are', async () => {
  const repo = gitRepo(allV1Files(ports), { branch: 'master' });
  h.defer(async () => repo.cleanup());
  const r = await runOnce(['--repo', repo.dir]);
  expect(r.code).toBe(1);
  expect(oneLine(r)).toMatch(/branch main not found in .*; its branches: master \(use --branch master\)$/);
});

test('--path naming a folder absent from the branch head: exit 1, lists the folders, did you mean', async () => {
  const repo = gitRepo({ ...allV1Files(ports, 'manifests'), 'steps/x.yaml': 'a: 1\n' });
  h.defer(async () => repo.cleanup());
  const r = await runOnce(['--repo', repo.dir, '--path', 'manifest']);
  expect(r.code).toBe(1);
  expect(oneLine(r)).toMatch(/--path manifest does not exist in branch main \([0-9a-f]{12}\); folders there: manifests, steps — did you mean manifests\?$/);
});

test('git\'s "dubious ownership": exit 1 with the whole safe.directory command', async () => {
  if (process.getuid?.() !== 0) return; // needs root to give the repository to another user
  const repo = gitRepo(allV1Files(ports));
  h.defer(async () => repo.cleanup());
  const chownAll = (dir: string): void => {
    chownSync(dir, 65534, 65534);
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) chownAll(p);
      else chownSync(p, 65534, 65534);
    }
  };
  chownAll(repo.dir);
  const r = await runOnce(['--repo', repo.dir]);
  expect(r.code).toBe(1);
  expect(oneLine(r)).toMatch(/dubious ownership.*git config --global --add safe\.directory '\/\S+'/);
});

test('a good local repository still starts (and takes the lock on the state dir)', async () => {
  const repo = gitRepo(allV1Files({ ...ports, gateway: await freePort() }, 'manifests'));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const admin = await freePort();
  const p = spawn(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--path', 'manifests', '--state-dir', state.dir, '--admin', `127.0.0.1:${admin}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', '--interval', '1h'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  await waitFor(() => out.includes('"outcome":"applied"'), 10_000, () => `first apply: ${out}`);

  // A second instance on the same --state-dir is refused, naming the first one's pid.
  const second = await runOnce(['--repo', repo.dir, '--path', 'manifests'], state.dir);
  expect(second.code).toBe(1);
  expect(oneLine(second)).toMatch(new RegExp(`--state-dir ${state.dir} is in use by tcpshift pid ${p.pid}`));

  // The admin address in use: one line, no stack trace.
  const other = tempDir();
  h.defer(async () => other.cleanup());
  const busy = await runToExit(['run', '--repo', repo.dir, '--path', 'manifests', '--state-dir', other.dir, '--admin', `127.0.0.1:${admin}`, '--log-format', 'json']);
  expect(busy.code).toBe(1);
  expect(oneLine(busy)).toBe(`tcpshift run: admin address 127.0.0.1:${admin} is in use (another tcpshift?); use --admin`);

  p.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(readdirSync(state.dir)).not.toContain('tcpshift.lock'); // released on exit
});

test('a restart with a persisted revision keeps serving it through the same mistake, saying so once', async () => {
  const gateway = await freePort();
  const repo = gitRepo(allV1Files({ ...ports, gateway }, 'manifests'));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const first = await runToExit(['run', '--repo', repo.dir, '--branch', 'nope', '--state-dir', state.dir, '--admin', `127.0.0.1:${await freePort()}`]);
  expect(first.code).toBe(1); // nothing persisted yet: stop
  const admin = await freePort();
  const start = (branch: string) => spawn(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--branch', branch, '--path', 'manifests', '--state-dir', state.dir,
    '--admin', `127.0.0.1:${admin}`, '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', '--interval', '1h'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const good = start('main');
  let out = '';
  good.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const goodExit = new Promise<number | null>((resolve) => good.on('exit', (code) => resolve(code)));
  h.defer(async () => { good.kill('SIGKILL'); await goodExit; });
  await waitFor(() => out.includes('"outcome":"applied"'), 10_000, 'first apply');
  good.kill('SIGTERM');
  expect(await goodExit).toBe(0);

  const again = start('nope');
  let err = '';
  let log = '';
  again.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  again.stdout.on('data', (d: Buffer) => { log += d.toString(); });
  const againExit = new Promise<number | null>((resolve) => again.on('exit', (code) => resolve(code)));
  h.defer(async () => { again.kill('SIGKILL'); await againExit; });
  await waitFor(() => log.includes('serving the persisted revision'), 10_000, () => `persisted revision served: ${err} ${log}`);
  expect(err).toMatch(/^tcpshift run: branch nope not found in .*; its branches: main \(use --branch main\); serving the persisted revision [0-9a-f]{12} meanwhile, retrying\n$/);
  expect(again.exitCode).toBeNull();
});

test('a stale lock (its process is gone) is taken over; a live one is not', () => {
  const state = tempDir();
  h.defer(async () => state.cleanup());
  mkdirSync(state.dir, { recursive: true });
  writeFileSync(join(state.dir, 'tcpshift.lock'), '2147483646\n'); // no such process
  const lock = acquireStateLock(state.dir);
  expect('problem' in lock).toBe(false);
  const again = acquireStateLock(state.dir, process.pid + 1); // another starter while we hold it
  expect(again).toEqual({ problem: expect.stringMatching(new RegExp(`in use by tcpshift pid ${process.pid}`)) });
  if (!('problem' in lock)) lock.release();
  expect(readdirSync(state.dir)).not.toContain('tcpshift.lock');
});

test('bind hints: a privileged port names CAP_NET_BIND_SERVICE; in use names another tcpshift', () => {
  expect(bindHint('EACCES', '0.0.0.0', 80)).toMatch(/CAP_NET_BIND_SERVICE/);
  expect(bindHint('EADDRINUSE', '127.0.0.1', 15000)).toBe('127.0.0.1:15000 is in use (another tcpshift?)');
  expect(startupErrorLine(Object.assign(new Error('listen EACCES'), { code: 'EACCES', address: '0.0.0.0', port: 80 }), { host: '0.0.0.0', port: 80 }))
    .toMatch(/^admin address 0\.0\.0\.0:80: ports below 1024 need CAP_NET_BIND_SERVICE/);
  expect(closest('manifest', ['manifests', 'steps'])).toBe('manifests');
  expect(closest('zzz', ['manifests', 'steps'])).toBeNull();
});

test('a Gateway listener on a privileged port: the bind failure names CAP_NET_BIND_SERVICE', () => {
  expect(new BindFailure('0.0.0.0:80', '0.0.0.0', 80, 'EACCES', new Error('listen EACCES')).message).toMatch(/^cannot listen on 0\.0\.0\.0:80: EACCES .*CAP_NET_BIND_SERVICE/);
  expect(new BindFailure('0.0.0.0:8080', '0.0.0.0', 8080, 'EACCES', new Error('listen EACCES')).message).not.toMatch(/CAP_NET_BIND_SERVICE/);
});

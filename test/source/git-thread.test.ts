/**
 * The git thread: a runner on it keeps the spawner's contract — git's output, a git that cannot be
 * started rejects with GitSpawnError (its code kept), a stopped runner rejects as cancelled and stops
 * a call in flight — and the git processes it starts run at nice 10.
 */
import { readFileSync } from 'node:fs';
import { GitRunner, GitSpawnError, wasCancelled } from '../../src/source/git-run';
import { gitThreadCalls, onGitThread } from '../../src/source/git-thread';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { startServer, waitFor } from '../helpers/net';
import { killAll, processesWith } from '../helpers/run-process';

const h = new Harness();
afterEach(() => h.cleanup());

const niceOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);

test('a runner on the git thread returns git\'s output and git\'s failure, as in-process', async () => {
  const repo = gitRepo({ 'a.yaml': 'kind: A\n' });
  h.defer(async () => repo.cleanup());
  const calls = gitThreadCalls();
  const runner = new GitRunner(`${repo.dir}/.git`, repo.dir, 5000, {}, { executor: onGitThread });
  expect((await runner.text(['rev-parse', 'HEAD'])).trim()).toBe(repo.sha());
  expect(Buffer.from(await runner.batch(`${repo.sha()}:a.yaml\n`)).toString()).toMatch(/ blob 8\nkind: A\n\n$/);
  await expect(runner.text(['rev-parse', '--verify', 'no-such-ref'])).rejects.toThrow(/no-such-ref|Needed a single revision/);
  expect(gitThreadCalls() - calls).toBe(3);
  await runner.stop();
  expect(wasCancelled(await runner.text(['--version']).catch((e: unknown) => e))).toBe(true);
});

test('a git that cannot be started rejects with GitSpawnError and its code, from the thread', async () => {
  const dir = tempDir();
  h.defer(async () => dir.cleanup());
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  let runner: GitRunner;
  try {
    runner = new GitRunner(dir.dir, dir.dir, 5000, {}, { executor: onGitThread });
  } finally {
    process.env.PATH = saved;
  }
  const err = await runner.text(['--version']).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GitSpawnError);
  expect((err as GitSpawnError).code).toBe('ENOENT');
  await runner.stop();
});

test('the git it starts runs at nice 10; stop() ends a call in flight as cancelled, group and all', async () => {
  const s = await startServer(() => undefined); // accepts, never answers
  const url = `http://127.0.0.1:${s.port}/silent.git`;
  h.defer(async () => { killAll(processesWith(url)); await s.close(); });
  const dir = tempDir();
  h.defer(async () => dir.cleanup());
  const runner = new GitRunner(dir.dir, dir.dir, 600_000, {}, { executor: onGitThread });
  await runner.text(['init', '--bare', '--quiet']);
  const fetching = runner.text(['fetch', '--', url, '+refs/heads/main:refs/remotes/origin/main']).catch((e: unknown) => e);
  await waitFor(() => processesWith(url).length > 0, 10_000, 'git connected');
  // git itself (its helpers inherit the nice value unless they were forked before the renice)
  const git = processesWith(url).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('fetch'));
  expect(git.length).toBe(1);
  expect(niceOf(git[0]!)).toBe(10);
  await runner.stop();
  expect(wasCancelled(await fetching)).toBe(true);
  await waitFor(() => processesWith(url).length === 0, 3000, 'git gone');
});

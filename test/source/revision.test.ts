/** LocalRepo: any revision of a local clone, by name, read from its object store (diff --repo). */
import { join } from 'node:path';
import { FetchError } from '../../src/errors';
import { LocalRepo } from '../../src/source/revision';
import { git, gitRepo, tempDir } from '../helpers/git';

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

function repo(files: Record<string, string>) {
  const r = gitRepo(files);
  cleanups.push(() => r.cleanup());
  return r;
}

test('resolves branch, tag, relative and abbreviated names to full SHAs', async () => {
  const r = repo({ 'a.yaml': 'x: 1\n' });
  const first = r.sha();
  r.git('tag', 'v1');
  const second = r.commit({ 'a.yaml': 'x: 2\n' });
  const l = new LocalRepo(r.work);
  expect(await l.resolve('HEAD')).toBe(second);
  expect(await l.resolve('main~1')).toBe(first);
  expect(await l.resolve('v1')).toBe(first);
  expect(await l.resolve(second.slice(0, 7))).toBe(second);
  await expect(l.resolve('nope')).rejects.toBeInstanceOf(FetchError);
  await expect(l.resolve('--all')).rejects.toThrow(/not a revision/);
  await expect(l.resolve('HEAD:a.yaml')).rejects.toThrow(/is not a commit/); // a blob, not a commit
});

test('reads the commit under the sub-path, with commit info; a missing sub-path is reported', async () => {
  const r = repo({ 'deploy/a.yaml': 'x: 1\n', 'other/b.yaml': 'y: 1\n' });
  r.commit({ 'deploy/a.yaml': null, 'elsewhere/a.yaml': 'x: 1\n' }, 'move');
  const l = new LocalRepo(r.work, { path: 'deploy' });
  const old = await l.read(await l.resolve('HEAD~1'));
  expect(old.files.map((f) => [f.path, Buffer.from(f.content!).toString()])).toEqual([['deploy/a.yaml', 'x: 1\n']]);
  expect(old.commit).toMatchObject({ author: 'Test Author', subject: 'initial' });
  expect(old.missingPath).toBeUndefined();
  expect((await l.read(await l.resolve('HEAD'))).missingPath).toBe('deploy');
});

test('a linked worktree resolves its own HEAD; a remote URL or a missing folder is refused', async () => {
  const r = repo({ 'a.yaml': 'x: 1\n' });
  const first = r.sha();
  r.commit({ 'a.yaml': 'x: 2\n' });
  const t = tempDir();
  cleanups.push(() => t.cleanup());
  const wt = join(t.dir, 'wt');
  git(r.work, 'worktree', 'add', '-q', '--detach', wt, first);
  expect(await new LocalRepo(wt).resolve('HEAD')).toBe(first);
  expect(() => new LocalRepo('https://example.com/repo.git')).toThrow(/not a local repository/);
  expect(() => new LocalRepo(join(t.dir, 'missing'))).toThrow(/no such repository/);
});

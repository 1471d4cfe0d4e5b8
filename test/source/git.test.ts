/** GitSource against real temporary repositories: a local working repo by path and a bare repo by file:// URL. */
import { relative } from 'node:path';
import { FetchError } from '../../src/errors';
import type { ManifestFile } from '../../src/manifest/types';
import { GitSource, type GitSourceOptions } from '../../src/source';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';

const LIMITS = { maxFileBytes: 1024, maxTotalBytes: 1 << 20 };
const text = (f: ManifestFile | undefined): string | undefined => (f?.content ? Buffer.from(f.content).toString('utf8') : undefined);
const byPath = (files: readonly ManifestFile[]) => Object.fromEntries(files.map((f) => [f.path, f]));

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function repoOf(files: Record<string, string>, bare: boolean): GitRepo {
  const repo = gitRepo(files, { bare });
  cleanups.push(repo.cleanup);
  return repo;
}

function sourceOf(repo: string, opts: Partial<GitSourceOptions> = {}): GitSource {
  const state = tempDir('tcpshift-state-');
  cleanups.push(state.cleanup);
  return new GitSource({ repo, stateDir: state.dir, limits: LIMITS, ...opts });
}

describe.each([
  ['local path', false],
  ['file:// bare repo', true],
])('GitSource on a %s', (_name, bare) => {
  const at = (repo: GitRepo) => (bare ? repo.url : repo.dir);

  test('resolve returns the branch head; read returns only yaml under the sub-path, with repo-relative paths', async () => {
    const repo = repoOf(
      {
        'README.md': '# not a manifest\n',
        'top.yaml': 'kind: Top\n',
        'deploy/a.yaml': 'kind: A\n',
        'deploy/nested/b.yml': 'kind: B\n',
        'deploy/notes.txt': 'skip me\n',
        'deploy2/c.yaml': 'kind: C\n',
      },
      bare,
    );
    const src = sourceOf(at(repo), { path: './deploy/' });
    const sha = await src.resolve();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(sha).toBe(repo.sha());
    const snap = await src.read(sha);
    expect(snap.revision).toBe(sha);
    expect(snap.files.map((f) => [f.path, f.type, f.size, text(f)])).toEqual([
      ['deploy/a.yaml', 'file', 8, 'kind: A\n'],
      ['deploy/nested/b.yml', 'file', 8, 'kind: B\n'],
    ]);
    expect(snap.commit).toEqual({ author: 'Test Author', date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/), subject: 'initial' });
  });

  test('whole tree when no path; commit subject of the latest commit; binary bytes intact', async () => {
    const repo = repoOf({ 'a.yaml': 'x: 1\n' }, bare);
    const bytes = new Uint8Array([0, 1, 2, 255, 10, 0]);
    const sha = repo.commit({ 'bin.yaml': bytes, 'dir/c.yml': 'c: 3\n' }, 'Add binary\n\nbody');
    const src = sourceOf(at(repo));
    expect(await src.resolve()).toBe(sha);
    const snap = await src.read(sha);
    const files = byPath(snap.files);
    expect(Object.keys(files)).toEqual(['a.yaml', 'bin.yaml', 'dir/c.yml']);
    expect([...(files['bin.yaml']?.content ?? [])]).toEqual([...bytes]);
    expect(snap.commit?.subject).toBe('Add binary');
  });

  test('symlinks and submodule entries are reported, never read', async () => {
    const repo = repoOf({ 'real.yaml': 'kind: R\n' }, bare);
    repo.symlink('link.yaml', 'real.yaml');
    repo.symlink('dirlink', '/etc');
    const sha = repo.submodule('vendor/sub', repo.sha());
    const src = sourceOf(at(repo));
    expect(await src.resolve()).toBe(sha);
    const files = byPath((await src.read(sha)).files);
    expect(files['link.yaml']).toEqual({ path: 'link.yaml', type: 'symlink', size: 'real.yaml'.length });
    expect(files['dirlink']).toEqual({ path: 'dirlink', type: 'symlink', size: 4 });
    expect(files['vendor/sub']).toEqual({ path: 'vendor/sub', type: 'submodule', size: 0 });
    expect(text(files['real.yaml'])).toBe('kind: R\n');
  });

  test('a file over maxFileBytes has its size but no content', async () => {
    const big = `x: "${'a'.repeat(2000)}"\n`;
    const repo = repoOf({ 'big.yaml': big, 'small.yaml': 's: 1\n' }, bare);
    const src = sourceOf(at(repo));
    const files = byPath((await src.read(await src.resolve())).files);
    expect(files['big.yaml']).toEqual({ path: 'big.yaml', type: 'file', size: big.length });
    expect(text(files['small.yaml'])).toBe('s: 1\n');
  });

  test('over maxTotalBytes no content is read at all', async () => {
    const repo = repoOf({ 'a.yaml': 'a'.repeat(600), 'b.yaml': 'b'.repeat(600) }, bare);
    const src = sourceOf(at(repo), { limits: { maxFileBytes: 1000, maxTotalBytes: 1000 } });
    const files = (await src.read(await src.resolve())).files;
    expect(files.map((f) => [f.path, f.size, f.content])).toEqual([
      ['a.yaml', 600, undefined],
      ['b.yaml', 600, undefined],
    ]);
  });

  test('follows new commits; older revisions stay readable', async () => {
    const repo = repoOf({ 'a.yaml': 'v: 1\n' }, bare);
    const src = sourceOf(at(repo));
    const first = await src.resolve();
    const second = repo.commit({ 'a.yaml': 'v: 2\n', 'b.yaml': 'b: 1\n' });
    expect(await src.resolve()).toBe(second);
    expect((await src.read(second)).files.map(text)).toEqual(['v: 2\n', 'b: 1\n']);
    expect((await src.read(first)).files.map(text)).toEqual(['v: 1\n']);
    const third = repo.commit({ 'a.yaml': null, 'b.yaml': null }, 'cleanup');
    expect(await src.resolve()).toBe(third);
    expect((await src.read(third)).files).toEqual([]);
  });

  test('force-push (rewritten history) resolves to the new head', async () => {
    const repo = repoOf({ 'a.yaml': 'v: 1\n' }, bare);
    repo.commit({ 'a.yaml': 'v: 2\n' });
    const src = sourceOf(at(repo));
    const old = await src.resolve();
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    const rewritten = repo.commit({ 'a.yaml': 'v: 3\n' }, 'rewritten');
    expect(rewritten).not.toBe(old);
    expect(await src.resolve()).toBe(rewritten);
    expect((await src.read(rewritten)).files.map(text)).toEqual(['v: 3\n']);
  });

  test('a deleted branch is a FetchError naming it; re-created, it works again', async () => {
    const repo = repoOf({ 'a.yaml': 'v: 1\n' }, bare);
    const src = sourceOf(at(repo));
    const sha = await src.resolve();
    repo.deleteBranch();
    const err = await src.resolve().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    // Fields, not wording: the reason, what happens next, and the branch named.
    expect(err).toMatchObject({ reason: 'FetchFailed', next: 'retry' });
    expect((err as FetchError).message).toContain('main');
    expect(repo.restoreBranch()).toBe(sha);
    expect(await src.resolve()).toBe(sha);
  });

  test('another branch is followed when asked', async () => {
    const repo = repoOf({ 'a.yaml': 'v: 1\n' }, bare);
    repo.git('checkout', '-q', '-b', 'release/1');
    repo.commit({ 'a.yaml': 'v: release\n' });
    if (bare) repo.git('push', '-q', repo.dir, 'HEAD:refs/heads/release/1');
    const src = sourceOf(at(repo), { branch: 'release/1' });
    const sha = await src.resolve();
    expect((await src.read(sha)).files.map(text)).toEqual(['v: release\n']);
    await expect(sourceOf(at(repo), { branch: 'nope' }).resolve()).rejects.toThrow(/branch nope not found/);
  });
});

describe('GitSource failures', () => {
  test('unreachable remote → FetchError', async () => {
    const src = sourceOf('file:///nonexistent/repo.git');
    const err = await src.resolve().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as Error).message).toMatch(/nonexistent/);
  });

  test('a missing local path → FetchError', async () => {
    await expect(sourceOf('/nonexistent/tcpshift-repo').resolve()).rejects.toBeInstanceOf(FetchError);
  });

  test('read of an unknown revision → FetchError', async () => {
    const repo = repoOf({ 'a.yaml': 'v: 1\n' }, false);
    const src = sourceOf(repo.dir);
    await src.resolve();
    await expect(src.read('0'.repeat(40))).rejects.toBeInstanceOf(FetchError);
    await expect(src.read('HEAD')).rejects.toBeInstanceOf(FetchError);
  });

  test('invalid branch names and escaping sub-paths are refused at construction', () => {
    expect(() => sourceOf('/x', { branch: '--upload-pack=evil' })).toThrow(/invalid branch/);
    expect(() => sourceOf('/x', { branch: 'a..b' })).toThrow(/invalid branch/);
    expect(() => sourceOf('/x', { path: '../outside' })).toThrow(/inside the repository/);
    expect(() => sourceOf('--upload-pack=evil')).toThrow(/invalid repository/);
  });

  test('describe() names repo, branch and path', () => {
    expect(sourceOf('/srv/config', { branch: 'prod', path: 'deploy/' }).describe()).toBe('git /srv/config branch prod path deploy');
  });
});

test('a relative state dir works (git runs inside the cache, not in the working directory)', async () => {
  const repo = repoOf({ 'a.yaml': 'v: 1\n' }, false);
  const state = tempDir('tcpshift-state-');
  cleanups.push(state.cleanup);
  const src = new GitSource({ repo: repo.dir, stateDir: relative(process.cwd(), state.dir), limits: LIMITS });
  expect(await src.resolve()).toBe(repo.sha());
});

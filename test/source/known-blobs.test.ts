/**
 * The Git source reads only the blobs it has not read before: a commit touching one file of three
 * asks git for one blob, every file still arrives with its bytes and id; a file renamed without change
 * reads nothing new; a file back to the bytes of an older read is read again, once (only the last
 * read's blobs are kept). Its git calls run on the git thread, never on the calling one.
 */
import type { ManifestFile } from '../../src/manifest/types';
import { GitSource } from '../../src/source';
import { gitThreadCalls } from '../../src/source/git-thread';
import { gitRepo, tempDir } from '../helpers/git';

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0).reverse()) c(); });

const texts = (files: readonly ManifestFile[]) => Object.fromEntries(files.map((f) => [f.path, f.content ? Buffer.from(f.content).toString('utf8') : null]));

test('a one-file commit reads one blob; the snapshot still has every file\'s bytes and id', async () => {
  const repo = gitRepo({ 'a.yaml': 'kind: A\n', 'b.yaml': 'kind: B\n', 'c.yaml': 'kind: C\n' });
  const state = tempDir();
  cleanups.push(repo.cleanup, state.cleanup);
  const src = new GitSource({ repo: repo.dir, stateDir: state.dir });
  cleanups.push(() => void src.close());
  const calls = gitThreadCalls();

  const first = await src.read(await src.resolve());
  expect(src.blobsRead).toBe(3);
  repo.commit({ 'b.yaml': 'kind: B2\n' });
  const second = await src.read(await src.resolve());
  expect(src.blobsRead).toBe(4);
  expect(texts(second.files)).toEqual({ 'a.yaml': 'kind: A\n', 'b.yaml': 'kind: B2\n', 'c.yaml': 'kind: C\n' });
  expect(second.files.find((f) => f.path === 'a.yaml')?.id).toBe(first.files.find((f) => f.path === 'a.yaml')?.id);

  repo.commit({ 'c.yaml': null, 'd.yaml': 'kind: C\n' }); // a rename: same bytes, same id
  expect(texts((await src.read(await src.resolve())).files)).toEqual({ 'a.yaml': 'kind: A\n', 'b.yaml': 'kind: B2\n', 'd.yaml': 'kind: C\n' });
  expect(src.blobsRead).toBe(4);
  repo.commit({ 'b.yaml': 'kind: B\n' }); // back to bytes read before the last read: read again, once
  expect(texts((await src.read(await src.resolve())).files)['b.yaml']).toBe('kind: B\n');
  expect(src.blobsRead).toBe(5);
  expect(gitThreadCalls() - calls).toBeGreaterThanOrEqual(8); // fetch, rev-parse, ls-tree, cat-file per revision
});

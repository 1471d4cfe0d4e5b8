/** DirSource on real temporary folders: what is read, what is skipped, and when the revision moves. */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FetchError } from '../../src/errors';
import type { ManifestFile } from '../../src/manifest/types';
import { DirSource } from '../../src/source';
import { tempDir } from '../helpers/git';

const LIMITS = { maxFileBytes: 100, maxTotalBytes: 1000 };
const text = (f: ManifestFile | undefined) => (f?.content ? Buffer.from(f.content).toString('utf8') : undefined);

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

/** A temp folder with `files` written (null = mkdir only). */
function folder(files: Record<string, string>): string {
  const tmp = tempDir('tcpshift-dir-');
  cleanups.push(tmp.cleanup);
  write(tmp.dir, files);
  return tmp.dir;
}
function write(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
}

test('reads yaml files recursively with relative sorted paths; skips .git and other files', async () => {
  const dir = folder({
    'b.yaml': 'b: 1\n',
    'a/z.yml': 'z: 1\n',
    'a/notes.md': '# no\n',
    '.git/config.yaml': 'never: read\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'big.yaml': 'x'.repeat(101),
  });
  const src = new DirSource({ dir, limits: LIMITS });
  const rev = await src.resolve();
  expect(rev).toMatch(/^dir:[0-9a-f]{64}$/);
  const snap = await src.read(rev);
  expect(snap.revision).toBe(rev);
  expect(snap.commit).toBeUndefined();
  expect(snap.files.map((f) => [f.path, f.type, f.size, text(f)])).toEqual([
    ['a/z.yml', 'file', 5, 'z: 1\n'],
    ['b.yaml', 'file', 5, 'b: 1\n'],
    ['big.yaml', 'file', 101, undefined],
  ]);
});

test('symlinks are reported and never followed (files and folders)', async () => {
  const outside = folder({ 'secret.yaml': 'secret: 1\n', 'sub/s.yaml': 's: 1\n' });
  const dir = folder({ 'real.yaml': 'r: 1\n' });
  symlinkSync(join(outside, 'secret.yaml'), join(dir, 'link.yaml'));
  symlinkSync(join(outside, 'sub'), join(dir, 'linked-dir'));
  symlinkSync('missing-target', join(dir, 'dangling'));
  const snap = await new DirSource({ dir, limits: LIMITS }).read('');
  expect(snap.files.map((f) => [f.path, f.type, f.content])).toEqual([
    ['dangling', 'symlink', undefined],
    ['link.yaml', 'symlink', undefined],
    ['linked-dir', 'symlink', undefined],
    ['real.yaml', 'file', Buffer.from('r: 1\n')],
  ]);
});

test('the revision is stable, and moves when content, a name, or a symlink target changes', async () => {
  const dir = folder({ 'a.yaml': 'v: 1\n', 'README': 'x' });
  const src = new DirSource({ dir, limits: LIMITS });
  const r1 = await src.resolve();
  expect(await src.resolve()).toBe(r1);
  write(dir, { README: 'not a manifest, no change' });
  expect(await src.resolve()).toBe(r1);

  write(dir, { 'a.yaml': 'v: 2\n' });
  const r2 = await src.resolve();
  expect(r2).not.toBe(r1);
  expect((await src.read(r2)).files.map(text)).toEqual(['v: 2\n']);

  rmSync(join(dir, 'a.yaml'));
  write(dir, { 'b.yaml': 'v: 2\n' });
  const r3 = await src.resolve();
  expect(r3).not.toBe(r2);

  symlinkSync('t1', join(dir, 'l'));
  const r4 = await src.resolve();
  rmSync(join(dir, 'l'));
  symlinkSync('t2', join(dir, 'l'));
  expect(await src.resolve()).not.toBe(r4);
});

test('read() of an older revision returns the folder as it is now', async () => {
  const dir = folder({ 'a.yaml': 'v: 1\n' });
  const src = new DirSource({ dir, limits: LIMITS });
  const r1 = await src.resolve();
  write(dir, { 'a.yaml': 'v: 2\n' });
  const r2 = await new DirSource({ dir, limits: LIMITS }).resolve();
  const snap = await src.read(r1); // cached: what resolve() hashed
  expect(snap.revision).toBe(r1);
  const fresh = await src.read('dir:other');
  expect(fresh.revision).toBe(r2);
  expect(fresh.files.map(text)).toEqual(['v: 2\n']);
});

test('over maxTotalBytes no content is kept', async () => {
  const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.yaml`, 'x'.repeat(90)]));
  const snap = await new DirSource({ dir: folder(files), limits: LIMITS }).read('');
  expect(snap.files).toHaveLength(12);
  expect(snap.files.every((f) => f.content === undefined && f.size === 90)).toBe(true);
});

test('a missing folder is a FetchError; describe() names it', async () => {
  const src = new DirSource({ dir: '/nonexistent/tcpshift-dir', limits: LIMITS });
  await expect(src.resolve()).rejects.toBeInstanceOf(FetchError);
  expect(src.describe()).toBe('dir /nonexistent/tcpshift-dir');
});

/**
 * The persisted state keeps each manifest's bytes once, by blob id: a save writes only the blobs not
 * stored yet (an unchanged file's blob is not rewritten), removes the ones nothing names, and a load
 * restores the same files with their ids; a missing or altered blob makes the state unusable (ignored,
 * as a corrupt file is); a version 1 state file (bytes inline) still loads.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blobId } from '../../src/manifest/cache';
import type { ManifestFile } from '../../src/manifest/types';
import { loadApplied, saveApplied, type AppliedState } from '../../src/reconcile/state';
import { tempDir } from '../helpers/git';

const dirs: { cleanup(): void }[] = [];
afterEach(() => { for (const d of dirs.splice(0)) d.cleanup(); });

function state(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

function file(path: string, text: string): ManifestFile {
  const content = new Uint8Array(Buffer.from(text));
  return { path, type: 'file', size: content.length, content, id: blobId(content) };
}

function applied(files: ManifestFile[], rolloutFiles?: ManifestFile[]): AppliedState {
  return {
    revision: 'a'.repeat(40), appliedAt: '2026-12-01T00:00:00.000Z', files, commit: null, history: [],
    rollout: rolloutFiles ? { revision: 'b'.repeat(40), trigger: 'test', changes: [], files: rolloutFiles, commit: null, targets: [] } : null,
  };
}

const blobs = (dir: string): string[] => readdirSync(join(dir, 'blobs')).sort();

test('a save writes only the blobs that changed and removes the ones nothing names', async () => {
  const dir = state();
  const a = file('a.yaml', 'kind: A\n');
  const b1 = file('b.yaml', 'kind: B1\n');
  await saveApplied(dir, applied([a, b1, { path: 'link.yaml', type: 'symlink', size: 7 }]));
  expect(blobs(dir)).toEqual([a.id, b1.id].sort());
  const aInode = statSync(join(dir, 'blobs', a.id!)).ino;

  const b2 = file('b.yaml', 'kind: B2\n');
  await saveApplied(dir, applied([a, b2]));
  expect(blobs(dir)).toEqual([a.id, b2.id].sort());
  expect(statSync(join(dir, 'blobs', a.id!)).ino).toBe(aInode); // not rewritten
  const saved = readFileSync(join(dir, 'applied.json'), 'utf8');
  expect(saved).not.toContain(Buffer.from('kind: A\n').toString('base64'));
  expect(JSON.parse(saved)).toMatchObject({ version: 2, files: [{ path: 'a.yaml', blob: a.id }, { path: 'b.yaml', blob: b2.id }] });
  expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(readdirSync(join(dir, 'blobs')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
});

test('a load restores the files with their bytes and ids, the rollout\'s too (its blobs are kept)', async () => {
  const dir = state();
  const a = file('a.yaml', 'kind: A\n');
  const next = file('a.yaml', 'kind: A2\n');
  await saveApplied(dir, applied([a, { path: 'sub', type: 'submodule', size: 0 }], [next]));
  expect(blobs(dir)).toEqual([a.id, next.id].sort());
  const loaded = await loadApplied(dir);
  expect(loaded?.files).toEqual([a, { path: 'sub', type: 'submodule', size: 0 }]);
  expect(loaded?.rollout?.files).toEqual([next]);
});

test('a missing or altered blob makes the state unusable; a rollout whose blob is gone is dropped', async () => {
  const dir = state();
  const a = file('a.yaml', 'kind: A\n');
  const next = file('a.yaml', 'kind: A2\n');
  await saveApplied(dir, applied([a], [next]));
  rmSync(join(dir, 'blobs', next.id!));
  expect((await loadApplied(dir))?.rollout).toBeNull();
  writeFileSync(join(dir, 'blobs', a.id!), 'kind: Other\n');
  await expect(loadApplied(dir)).rejects.toThrow(/does not match its id/);
  rmSync(join(dir, 'blobs', a.id!));
  await expect(loadApplied(dir)).rejects.toThrow(/ENOENT/);
});

test('a blob name that is no blob id is refused (no path outside blobs/)', async () => {
  const dir = state();
  writeFileSync(join(dir, 'applied.json'), JSON.stringify({
    version: 2, revision: 'a'.repeat(40), appliedAt: 'now', files: [{ path: 'a.yaml', type: 'file', size: 3, blob: '../applied.json' }],
  }));
  await expect(loadApplied(dir)).rejects.toThrow(/not a blob id/);
});

test('a version 1 state file (bytes inline) still loads', async () => {
  const dir = state();
  writeFileSync(join(dir, 'applied.json'), JSON.stringify({
    version: 1, revision: 'a'.repeat(40), appliedAt: 'now', commit: null, history: [],
    files: [{ path: 'a.yaml', type: 'file', size: 8, content: Buffer.from('kind: A\n').toString('base64') }],
  }));
  const loaded = await loadApplied(dir);
  expect(loaded?.files).toEqual([{ path: 'a.yaml', type: 'file', size: 8, content: new Uint8Array(Buffer.from('kind: A\n')) }]);
});

/** Reading one commit's manifest entries with plumbing (`ls-tree` + `cat-file --batch`): never a working tree. */
import type { ManifestFile, ReadLimits } from '../manifest/types';
import { parseBatch, parseCommit, parseLsTree, type TreeEntry } from './git-parse';
import type { GitRunner } from './git-run';
import { isManifestName, underSubPath } from './paths';
import type { Snapshot } from './types';

/** The bytes of blobs read before, by blob id: those are not asked of git again. */
export type KnownBlobs = ReadonlyMap<string, Uint8Array>;

/**
 * Reads every manifest entry of commit `revision` under `subPath` from the repository `git` runs in;
 * only blobs not in `known` are read (`onRead` hears how many). Rejects with git's message (or
 * `bad object: …`, `missing blob …`); callers classify and wrap it.
 */
export async function readCommit(
  git: GitRunner, revision: string, subPath: string, limits: ReadLimits, known: KnownBlobs = new Map(), onRead?: (blobs: number) => void,
): Promise<Snapshot> {
  const paths = subPath ? ['--', subPath] : [];
  const listing = await git.text(['--literal-pathspecs', 'ls-tree', '-r', '-l', '-z', '--full-tree', revision, ...paths]);
  const entries = parseLsTree(listing);
  const picked = pick(entries, subPath, limits);
  const wanted = picked.filter((p) => p.read && !known.has(p.entry.object));
  onRead?.(wanted.length);
  const out = parseBatch(await git.batch([revision, ...wanted.map((p) => p.entry.object)].join('\n') + '\n'));
  const [commit, ...blobs] = out;
  if (commit?.type !== 'commit' || !commit.content || blobs.length !== wanted.length) throw new Error('bad object: cat-file answer');
  const contents = new Map<TreeEntry, Buffer>();
  wanted.forEach((p, i) => {
    const blob = blobs[i];
    if (!blob?.content || blob.type !== 'blob') throw new Error(`missing blob ${p.entry.object}`);
    contents.set(p.entry, blob.content);
  });
  const files = picked.map(({ entry, file, read }): ManifestFile => {
    const content = contents.get(entry) ?? (read ? known.get(entry.object) : undefined);
    return content ? { ...file, content, id: entry.object } : file;
  });
  const missing = subPath !== '' && entries.length === 0;
  const overCap = picked.some((p) => p.overCap);
  return { revision, files, commit: parseCommit(commit.content), ...(missing ? { missingPath: subPath } : {}), ...(overCap ? { overCap } : {}) };
}

/** Tree entries → manifest entries under the sub-path, and which blobs to read (size caps applied). */
function pick(entries: readonly TreeEntry[], subPath: string, limits: ReadLimits): { entry: TreeEntry; file: ManifestFile; read: boolean; overCap?: true }[] {
  const picked: { entry: TreeEntry; file: ManifestFile; read: boolean; overCap?: true }[] = [];
  for (const entry of entries) {
    // Paths stay relative to the repository root (`manifests/a.yaml`), as `tcpshift validate manifests`
    // run in a checkout prints them, so an error message points at the file in the repo.
    if (underSubPath(entry.path, subPath) === null) continue;
    const path = entry.path;
    if (entry.mode === '120000') picked.push({ entry, file: { path, type: 'symlink', size: entry.size }, read: false });
    else if (entry.mode === '160000') picked.push({ entry, file: { path, type: 'submodule', size: 0 }, read: false });
    else if (entry.type === 'blob' && isManifestName(path)) {
      picked.push({ entry, file: { path, type: 'file', size: entry.size }, read: entry.size <= limits.maxFileBytes });
    }
  }
  // Over the per-commit cap nothing is read: the parser rejects the commit from the sizes alone.
  const total = picked.reduce((sum, p) => sum + (p.read ? p.entry.size : 0), 0);
  if (total > limits.maxTotalBytes) for (const p of picked) Object.assign(p, { read: false, overCap: true });
  return picked;
}

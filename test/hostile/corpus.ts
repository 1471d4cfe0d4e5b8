/**
 * The hostile corpus (test/fixtures/hostile/cases.json + files/): loading it, and turning one case into
 * the files of a commit (on top of the good revision) or of a folder `tcpshift validate` reads.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Code } from '../../src/errors';
import type { ReadLimits } from '../../src/manifest/types';
import type { GitRepo } from '../helpers/git';

export const HOSTILE_DIR = join(__dirname, '..', 'fixtures', 'hostile');

/** One case of cases.json. */
export interface HostileCase {
  readonly name: string;
  /** Default `rejected`; `applied` for entries that are ignored (empty file, submodule). */
  readonly outcome?: 'rejected' | 'applied';
  /** A diagnostic with this code must be among the status diagnostics… */
  readonly code?: Code;
  /** …pointing at this file… */
  readonly file?: string;
  /** …at this line (0 = the file as a whole). */
  readonly line?: number;
  /** Repository path → fixture file under files/. */
  readonly add?: Readonly<Record<string, string>>;
  /** Replacements (first occurrence) in the good revision's files. */
  readonly edit?: readonly { readonly file: string; readonly from: string; readonly to: string }[];
  /** Filler files of `bytes` bytes each; `{i}` in the path numbers them from 0. */
  readonly generate?: { readonly path: string; readonly bytes: number; readonly count?: number };
  readonly symlink?: { readonly path: string; readonly target: string };
  /** A gitlink entry (160000) at this path. */
  readonly submodule?: string;
}

export interface Corpus {
  readonly limits: ReadLimits;
  readonly cases: readonly HostileCase[];
}

/** Ports the fixtures' placeholders stand for: 31400, 31401, `tcp: 9000`, `tcp: 9001`. */
export interface CorpusPorts {
  readonly gateway: number;
  readonly spare: number;
  readonly v1: number;
  readonly v2: number;
}

/** Reads cases.json. */
export function loadCorpus(): Corpus {
  const raw = JSON.parse(readFileSync(join(HOSTILE_DIR, 'cases.json'), 'utf8')) as { limits: ReadLimits; cases: HostileCase[] };
  return { limits: raw.limits, cases: raw.cases };
}

/** Replaces the placeholders by the test's ports (bytes kept as they are: latin1 round-trips every byte). */
export function withPorts(text: string, p: CorpusPorts): string {
  return text
    .replace(/\b31400\b/g, String(p.gateway))
    .replace(/\b31401\b/g, String(p.spare))
    .replace(/tcp: 9000\b/g, `tcp: ${p.v1}`)
    .replace(/tcp: 9001\b/g, `tcp: ${p.v2}`);
}

/** The regular files of a case: the good files, edited, plus added and generated ones. Throws when an edit does not apply. */
export function caseFiles(c: HostileCase, good: Readonly<Record<string, string>>, p: CorpusPorts): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = { ...good };
  for (const e of c.edit ?? []) {
    const text = files[e.file];
    const from = withPorts(e.from, p);
    if (typeof text !== 'string' || !text.includes(from)) throw new Error(`case ${c.name}: ${JSON.stringify(e.from)} not found in ${e.file}`);
    files[e.file] = text.replace(from, withPorts(e.to, p));
  }
  for (const [path, fixture] of Object.entries(c.add ?? {})) {
    const bytes = readFileSync(join(HOSTILE_DIR, 'files', fixture));
    files[path] = Buffer.from(withPorts(bytes.toString('latin1'), p), 'latin1');
  }
  const g = c.generate;
  if (g) for (let i = 0; i < (g.count ?? 1); i++) files[g.path.replace('{i}', String(i))] = filler(g.bytes);
  return files;
}

/** Paths a case adds to the tree (to delete before the next case). */
export function addedPaths(c: HostileCase): string[] {
  const g = c.generate;
  return [
    ...Object.keys(c.add ?? {}),
    ...(g ? Array.from({ length: g.count ?? 1 }, (_, i) => g.path.replace('{i}', String(i))) : []),
    ...(c.symlink ? [c.symlink.path] : []),
    ...(c.submodule ? [c.submodule] : []),
  ];
}

/** Commits the case on top of the good files (deleting what `previous` added); returns the head SHA. */
export function commitCase(repo: GitRepo, c: HostileCase, good: Readonly<Record<string, string>>, p: CorpusPorts, previous: readonly string[]): string {
  const removed = Object.fromEntries(previous.map((path) => [path, null]));
  let sha = repo.commit({ ...removed, ...caseFiles(c, good, p) }, `hostile: ${c.name}`);
  if (c.symlink) sha = repo.symlink(c.symlink.path, c.symlink.target, `hostile: ${c.name}`);
  if (c.submodule) sha = repo.submodule(c.submodule, repo.sha(), `hostile: ${c.name}`);
  return sha;
}

/** Writes the case as a folder (symlinks as symlinks, a submodule as the empty folder git leaves). */
export function writeCaseDir(dir: string, c: HostileCase, good: Readonly<Record<string, string>>, p: CorpusPorts): void {
  for (const [path, content] of Object.entries(caseFiles(c, good, p))) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  if (c.symlink) symlinkSync(c.symlink.target, join(dir, c.symlink.path));
  if (c.submodule) mkdirSync(join(dir, c.submodule), { recursive: true });
}

/** `bytes` bytes of YAML comments. */
function filler(bytes: number): string {
  const line = '# filler to make the file large enough\n';
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

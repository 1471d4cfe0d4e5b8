/** One-line hints for the start-up mistakes a Git source can meet, each saying what to do. Pure. */
import { redact } from './redact';

const DUBIOUS = /dubious ownership in repository at '([^']+)'/i;

/** The folder git names in a "dubious ownership" refusal, or null when `gitText` is not one. */
export function dubiousPath(gitText: string): string | null {
  return DUBIOUS.exec(gitText)?.[1] ?? null;
}

/** Git refuses a repository another user owns: the whole safe.directory command. */
export function dubiousHint(path: string): string {
  return `git refuses ${path}: it belongs to another user ("dubious ownership"); if you trust it, run: git config --global --add safe.directory '${path.replace(/'/g, "'\\''")}' (as the user tcpshift runs as)`;
}

/** `--repo` at a folder that is not a repository. */
export function notRepoHint(path: string): string {
  return `--repo ${path} is not a git repository: run git init and commit there, or serve the folder as it is with --dir ${path}`;
}

/** `--repo` at a path that does not exist. */
export function noSuchRepoHint(path: string): string {
  return `--repo ${path} does not exist: give the path of a git repository (or --dir for a plain folder)`;
}

/** A repository without any branch yet. */
export function noCommitsHint(repo: string): string {
  return `${redact(repo)} has no commits yet: commit the manifests first (git add -A && git commit -m "routes"), then start tcpshift`;
}

/** A `--branch` the repository lacks, with the ones it has. */
export function missingBranchHint(branch: string, repo: string, heads: readonly string[]): string {
  const have = heads.length === 0 ? 'it has no branches' : `its branches: ${heads.slice(0, 10).join(', ')}${heads.length > 10 ? ', …' : ''}`;
  const use = heads.length === 1 ? ` (use --branch ${heads[0]})` : heads.length > 1 ? ' (choose one with --branch)' : '';
  return `branch ${branch} not found in ${redact(repo)}; ${have}${use}`;
}

/** A `--path` absent from the branch head, with the folders that exist where it was looked for. */
export function missingPathHint(path: string, branch: string, revision: string, folders: readonly string[]): string {
  const parent = path.includes('/') ? `${path.slice(0, path.lastIndexOf('/'))}/` : '';
  const shown = folders.map((f) => `${parent}${f}`);
  const guess = closest(path.slice(parent.length), folders);
  const there = shown.length === 0 ? `there is no folder${parent ? ` in ${parent}` : ''}` : `folders there: ${shown.slice(0, 10).join(', ')}`;
  return `--path ${path} does not exist in branch ${branch} (${revision.slice(0, 12)}); ${there}${guess === null ? '' : ` — did you mean ${parent}${guess}?`}`;
}

/** The folder name nearest to `name` (edit distance at most a third of its length, at least 2), or null. */
export function closest(name: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = distance(name.toLowerCase(), n.toLowerCase());
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

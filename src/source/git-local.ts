/** Telling a local repository (path or file:// URL) from a remote one, and where its refs live. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of a repository given as a path or `file://` URL (resolved against the current
 * directory), or null for a remote: `scheme://…`, or scp-like `host:path` (a `:` before any `/`, as git reads it).
 */
export function localRepoPath(repo: string): string | null {
  if (/^file:\/\//i.test(repo)) return fileURLToPath(repo);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) return null;
  const colon = repo.indexOf(':');
  const slash = repo.indexOf('/');
  if (!isAbsolute(repo) && colon > 0 && (slash < 0 || colon < slash)) return null;
  return resolve(repo);
}

/** The git directory of the repository (or worktree) at `dir`: `.git`, a `.git` file's target, or `dir` when bare. */
export function gitDirOf(dir: string): string {
  const dotGit = join(dir, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    if (m?.[1]) return resolve(dir, m[1].trim());
  } catch {
    // no .git entry: a bare repository
  }
  return dir;
}

/** The git directory holding the refs of the repository at `dir`: `.git`, a `.git` file's target, its commondir, or `dir` when bare. */
export function refsDir(dir: string): string {
  const gitDir = gitDirOf(dir);
  const common = join(gitDir, 'commondir');
  if (existsSync(common)) return resolve(gitDir, readFileSync(common, 'utf8').trim());
  return gitDir;
}

/**
 * What to watch for a local repository: its git directory (one existing root, so chokidar's `ready`
 * is reliable) and a filter keeping only what moves when a branch does: `HEAD`, `packed-refs`,
 * `refs/heads/**`, `reftable/**`. Git's `*.lock` files are dropped: the rename onto the ref is the event.
 */
export function refWatch(dir: string): { root: string; ignored: (path: string) => boolean } {
  const root = refsDir(dir);
  const ignored = (path: string): boolean => {
    const rel = relative(root, path).split(sep).join('/');
    if (rel.endsWith('.lock')) return true;
    if (rel === '' || rel === 'HEAD' || rel === 'packed-refs' || rel === 'refs' || rel === 'reftable') return false;
    return !(rel === 'refs/heads' || rel.startsWith('refs/heads/') || rel.startsWith('reftable/'));
  };
  return { root, ignored };
}

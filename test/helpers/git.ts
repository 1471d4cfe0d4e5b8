/** Test helper: real temporary git repositories (a working repo, optionally pushed to a bare one for file:// URLs). */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Git's environment for the helper: no ambient repository, no system or global config. */
const GIT_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries({ ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }).filter(
    ([k]) => !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|COMMON_DIR)$/.test(k),
  ),
);

/** Runs git in `cwd` and returns its stdout, trimmed. Throws with git's stderr on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Runs git in `cwd` without blocking the event loop (for tests that serve traffic meanwhile); resolves with stdout, trimmed. */
export function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** A fresh directory under os.tmpdir(). */
export function tempDir(prefix = 'tcpshift-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface GitRepoOptions {
  /** Branch to create (default `main`). */
  readonly branch?: string;
  /** Also keep a bare clone that every commit is force-pushed to; `dir` and `url` then point at it. */
  readonly bare?: boolean;
}

export interface GitRepo {
  /** What a source is pointed at: the working repository, or the bare one when `bare`. */
  readonly dir: string;
  /** `file://` URL of `dir`. */
  readonly url: string;
  /** The working repository commits are made in. */
  readonly work: string;
  readonly branch: string;
  /** Writes (string/bytes) or deletes (null) files, commits everything, pushes when bare; returns the new SHA. */
  commit(files: Record<string, string | Uint8Array | null>, message?: string): string;
  /** Commits a symlink `path` → `target`. */
  symlink(path: string, target: string, message?: string): string;
  /** Commits a submodule (gitlink) entry at `path` pointing to `sha`, without any .gitmodules. */
  submodule(path: string, sha: string, message?: string): string;
  /** Runs git in the working repository. */
  git(...args: string[]): string;
  /** Head SHA of `branch` (default: the repo's branch) in `dir`. */
  sha(branch?: string): string;
  /** Deletes the branch in `dir` (the working repo is left on a detached HEAD). */
  deleteBranch(): void;
  /** Re-creates the branch at the working repo's HEAD (pushing when bare); returns its SHA. */
  restoreBranch(): string;
  cleanup(): void;
}

/** Makes a temporary repository with `files` committed on `main` (or opts.branch). */
export function gitRepo(files: Record<string, string | Uint8Array>, opts: GitRepoOptions = {}): GitRepo {
  const branch = opts.branch ?? 'main';
  const root = tempDir('tcpshift-repo-');
  const work = join(root.dir, 'work');
  mkdirSync(work);
  git(work, 'init', '-q', '-b', branch);
  git(work, 'config', 'user.name', 'Test Author');
  git(work, 'config', 'user.email', 'test@example.com');
  git(work, 'config', 'commit.gpgsign', 'false');
  const bare = opts.bare ? join(root.dir, 'bare.git') : null;
  const dir = bare ?? work;
  let n = 0;

  const finish = (message: string): string => {
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '--allow-empty', '-m', message);
    if (bare) git(work, 'push', '-q', '--force', bare, `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };

  const repo: GitRepo = {
    dir,
    url: pathToFileURL(dir).href,
    work,
    branch,
    commit(changes, message) {
      for (const [path, content] of Object.entries(changes)) {
        const full = join(work, path);
        if (content === null) rmSync(full, { force: true, recursive: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      return finish(message ?? `commit ${++n}`);
    },
    symlink(path, target, message) {
      const full = join(work, path);
      mkdirSync(dirname(full), { recursive: true });
      rmSync(full, { force: true });
      symlinkSync(target, full);
      return finish(message ?? `symlink ${path}`);
    },
    submodule(path, sha, message) {
      // An empty folder is how git sees an uninitialised submodule: later `add -A` keeps the entry.
      mkdirSync(join(work, path), { recursive: true });
      git(work, 'update-index', '--add', '--cacheinfo', `160000,${sha},${path}`);
      return finish(message ?? `submodule ${path}`);
    },
    git: (...args) => git(work, ...args),
    sha: (b = branch) => git(dir, 'rev-parse', `refs/heads/${b}`),
    deleteBranch() {
      if (bare) git(bare, 'branch', '-D', branch);
      else {
        git(work, 'checkout', '-q', '--detach');
        git(work, 'branch', '-D', branch);
      }
    },
    restoreBranch() {
      if (bare) git(work, 'push', '-q', '--force', bare, `HEAD:refs/heads/${branch}`);
      else git(work, 'checkout', '-q', '-B', branch);
      return repo.sha();
    },
    cleanup: root.cleanup,
  };
  if (bare) git(root.dir, 'init', '-q', '--bare', '-b', branch, bare);
  repo.commit(files, 'initial');
  return repo;
}

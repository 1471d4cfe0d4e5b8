/** The bare cache clone under `<stateDir>/cache/<hash>`: created on demand, fetched into, re-created when broken. */
import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GitRunner, notGitsVerdict, type GitRunnerOptions } from './git-run';
import { redact } from './redact';

/**
 * Messages git prints when objects or refs of the cache are damaged: the cache is then re-created.
 * A cache that is no repository at all is caught by `healthy()` (a remote can say "not a git repository" too).
 */
const CORRUPT =
  /bad object|unable to unpack|is corrupt|corrupt (loose|packed)|inflate|object file .* is empty|unable to read [0-9a-f]{40}|invalid (sha1 )?pointer|did not send all necessary objects|bad (tree|commit)|missing (blob|tree|commit) [0-9a-f]|broken link|packfile .* cannot be accessed|index file .* is too small|HEAD .*(invalid|not a valid)|unable to resolve reference|cannot lock ref/i;

/** True when git's message says the local repository is damaged rather than the remote unreachable. */
export function looksCorrupt(message: string): boolean {
  return CORRUPT.test(message);
}

/** The folder name for a repository: a short hash of its address with any credentials removed. */
export function cacheKey(repo: string): string {
  return createHash('sha256').update(redact(repo)).digest('hex').slice(0, 16);
}

/** One repository's bare cache; every git call runs with GIT_DIR pointing at it. */
export class GitCache {
  readonly dir: string;
  readonly git: GitRunner;
  private readonly root: string;
  private broken = false;

  constructor(stateDir: string, key: string, timeoutMs: number, run: GitRunnerOptions = {}) {
    this.root = resolve(stateDir, 'cache');
    this.dir = join(this.root, key);
    this.git = new GitRunner(this.dir, this.root, timeoutMs, {}, run);
  }

  /** Marks the cache for re-creation on the next `ensure()`. */
  markBroken(): void {
    this.broken = true;
  }

  /** Makes sure a bare repository exists (re-creating a deleted or marked one); true when it was (re-)created. */
  async ensure(): Promise<boolean> {
    if (!this.broken && (await isFile(join(this.dir, 'HEAD')))) return false;
    await this.recreate();
    return true;
  }

  /** Removes the cache and initialises an empty bare repository in its place. */
  async recreate(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    await this.git.text(['init', '--bare', '--quiet', '--initial-branch=main']);
    this.broken = false;
  }

  /**
   * False when git no longer sees a repository in the cache folder (deleted, garbage HEAD, no objects).
   * True when git could not answer (not started, stopped, timed out): that is no verdict on the cache.
   */
  async healthy(): Promise<boolean> {
    try {
      await this.git.text(['rev-parse', '--git-dir']);
      return true;
    } catch (err) {
      return notGitsVerdict(err);
    }
  }

  /** Force-fetches `refs/heads/<branch>` of `repo` into `refs/remotes/origin/<branch>`. Rejects with git's message. */
  async fetch(repo: string, branch: string): Promise<void> {
    const refspec = `+refs/heads/${branch}:refs/remotes/origin/${branch}`;
    // --progress (and --verbose) keep a long clone talking, so the silence timeout only catches a git that hangs.
    await this.git.text(['fetch', '--verbose', '--progress', '--no-tags', '--no-write-fetch-head', '--', repo, refspec]);
  }

  /** The 40-hex commit SHA of `refs/remotes/origin/<branch>`. Rejects with git's message. */
  async revParse(branch: string): Promise<string> {
    const out = await this.git.text(['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/remotes/origin/${branch}^{commit}`]);
    const sha = out.trim();
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw new Error(`bad object: rev-parse printed ${JSON.stringify(sha.slice(0, 80))}`);
    return sha;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

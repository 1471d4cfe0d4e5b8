/** The Git source: a bare cache fetched by git (see git-run.ts), trees read from commits (never a working tree). */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { FetchError } from '../errors';
import { DEFAULT_LIMITS, type ReadLimits } from '../manifest/types';
import { cacheKey, GitCache, looksCorrupt } from './git-cache';
import { dubiousHint, dubiousPath, missingBranchHint, missingPathHint, noCommitsHint, noSuchRepoHint, notRepoHint } from './git-hints';
import { gitDirOf, localRepoPath, refWatch } from './git-local';
import { errorText, notGitsVerdict } from './git-run';
import { onGitThread } from './git-thread';
import { readCommit } from './git-tree';
import { normalizeSubPath } from './paths';
import { CommitVerifier, type VerifyOptions } from './verify';
import { redact } from './redact';
import type { Snapshot, Source, StopWatch } from './types';
import { watchPaths } from './watch';

/** How to reach the repository and where to keep its cache. */
export interface GitSourceOptions {
  /** URL (https, ssh, file://) or local repository path. */
  readonly repo: string;
  readonly branch?: string;
  /** Sub-folder holding the manifests; '' = the whole tree. */
  readonly path?: string;
  /** The cache lives in `<stateDir>/cache/<hash>`. */
  readonly stateDir: string;
  readonly limits?: ReadLimits;
  readonly logger?: Logger;
  /** A git process silent for this long is killed, and any git call after 10 times as long (default 60 s). */
  readonly timeoutMs?: number;
  /** Apply only commits git verifies against these keys (`--verify-signatures`). */
  readonly verify?: VerifyOptions;
  /** Start git from the git thread (git-thread.ts), never from the calling one (default true: a serving process must not fork). */
  readonly gitThread?: boolean;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\s~^:?*[\\\x00-\x1f\x7f]+(?<![/.])(?<!\.lock)$/;
const MISSING_BRANCH = /couldn't find remote ref/i;
const MISSING_REVISION = /not a tree object|not a valid object name|bad revision/i;

/** A branch of a Git repository, fetched into a private bare cache and read commit by commit. */
export class GitSource implements Source {
  private readonly repo: string;
  private readonly branch: string;
  private readonly subPath: string;
  private readonly limits: ReadLimits;
  private readonly logger: Logger | undefined;
  private readonly local: string | null;
  private readonly cache: GitCache;
  private readonly verifier: CommitVerifier | null;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last revision whose missing `--path` was explained in the log (once per revision). */
  private hintedRevision: string | null = null;
  /** The bytes of the last read's blobs, by id: a commit touching one file reads one blob. */
  private known: Map<string, Uint8Array> = new Map();
  /** Blobs read from git, ever (tests). */
  blobsRead = 0;

  /** Throws (a plain Error, at start-up) on an unusable branch name or a sub-path leaving the repository. */
  constructor(opts: GitSourceOptions) {
    this.branch = opts.branch ?? 'main';
    if (!BRANCH.test(this.branch)) throw new Error(`invalid branch name: ${JSON.stringify(this.branch)}`);
    if (opts.repo === '' || opts.repo.startsWith('-')) throw new Error(`invalid repository: ${redact(opts.repo)}`);
    this.subPath = normalizeSubPath(opts.path ?? '');
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.logger = opts.logger;
    this.local = localRepoPath(opts.repo);
    // A local path is fetched by absolute path: git runs in the cache, not in our working directory.
    this.repo = this.local !== null && !/^file:\/\//i.test(opts.repo) ? this.local : opts.repo;
    const run = opts.gitThread === false ? {} : { executor: onGitThread };
    this.cache = new GitCache(opts.stateDir, cacheKey(this.repo), opts.timeoutMs ?? 60_000, run);
    this.verifier = opts.verify ? new CommitVerifier(opts.verify, opts.stateDir, this.cache.dir, opts.timeoutMs ?? 60_000, run) : null;
  }

  /** e.g. `git https://***@host/org/repo.git branch main path deploy`. */
  describe(): string {
    return `git ${redact(this.repo)} branch ${this.branch}${this.subPath ? ` path ${this.subPath}` : ''}`;
  }

  /** Fetches the branch (force: history may be rewritten) and returns its head commit SHA; throws FetchError. */
  resolve(): Promise<string> {
    return this.serial(() => this.resolveOnce(true));
  }

  /** Reads the manifest entries of commit `revision` from the cache; throws FetchError. */
  read(revision: string): Promise<Snapshot> {
    return this.serial(() => this.readOnce(revision));
  }

  /**
   * Resolves `rev` (a full or abbreviated commit id, e.g. a pinned `--revision`) to a commit already
   * fetched into the cache (call `resolve()` first); throws FetchError when the cache has no such commit.
   */
  resolveCommit(rev: string): Promise<string> {
    return this.serial(async () => {
      if (!/^[0-9a-f]{4,64}$/i.test(rev)) throw new FetchError(`not a commit id: ${JSON.stringify(rev.slice(0, 80))}`);
      const sha = await this.cache.git.text(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev.toLowerCase()}^{commit}`]).then((o) => o.trim(), () => '');
      if (!SHA.test(sha)) throw new FetchError(`revision ${rev} not found in branch ${this.branch} of ${redact(this.repo)} (or not unique)`);
      return sha;
    });
  }

  /**
   * For a local repository, what stops it from being served at all, as one line saying what to do (a
   * folder that is no repository, no commits, a missing branch, git's "dubious ownership", a `--path`
   * absent from the branch head); null when none of these (or for a remote, which is retried instead).
   */
  startupProblem(): Promise<string | null> {
    return this.serial(async () => {
      if (this.local === null) return null;
      if (!existsSync(this.local)) return noSuchRepoHint(this.local);
      const gitDir = gitDirOf(this.local);
      if (!statSync(this.local).isDirectory() || !existsSync(join(gitDir, 'HEAD')) || !existsSync(join(gitDir, 'objects'))) return notRepoHint(this.local);
      let heads: string[];
      try {
        await this.cache.ensure();
        heads = await this.heads();
      } catch (err) {
        const dubious = dubiousPath(errorText(err));
        return dubious === null ? null : dubiousHint(dubious);
      }
      if (heads.length === 0) return noCommitsHint(this.local);
      if (!heads.includes(this.branch)) return missingBranchHint(this.branch, this.local, heads);
      if (this.subPath === '') return null;
      const sha = await this.resolveOnce(true).catch(() => null);
      if (sha === null) return null;
      const kind = await this.cache.git.text(['cat-file', '-t', `${sha}:${this.subPath}`]).then((t) => t.trim(), () => 'missing');
      if (kind === 'tree') return null;
      return missingPathHint(this.subPath, this.branch, sha, await this.folders(sha));
    });
  }

  /** Branch names of the repository (`git ls-remote --heads`); rejects with git's message. */
  private async heads(): Promise<string[]> {
    const out = await this.cache.git.text(['ls-remote', '--heads', '--', this.repo]);
    return out.split('\n').map((l) => /\trefs\/heads\/(.+)$/.exec(l.trim())?.[1]).filter((h): h is string => h !== undefined);
  }

  /** Stops any git running for this source (its process group) and refuses new git calls; for shutdown. */
  async close(): Promise<void> {
    await Promise.all([this.cache.git.stop(), this.verifier?.close()]);
  }

  /** Watches a local repository's refs; for a remote URL returns a stop function that does nothing. */
  watch(onChange: () => void): StopWatch {
    if (this.local === null) return Object.assign(async () => undefined, { ready: Promise.resolve() });
    const { root, ignored } = refWatch(this.local);
    return watchPaths(
      [root],
      {
        debounceMs: 50,
        ignored,
        onError: (err) => this.logger?.warn({ source: this.describe(), err: redact(errorText(err)) }, 'watch error'),
      },
      onChange,
    );
  }

  private async resolveOnce(mayRepair: boolean): Promise<string> {
    try {
      if (await this.cache.ensure()) this.logger?.info({ source: this.describe(), cache: this.cache.dir }, 'git cache created');
      await this.cache.fetch(this.repo, this.branch);
      return await this.cache.revParse(this.branch);
    } catch (err) {
      const text = errorText(err);
      // Not started (EMFILE), timed out, or stopped by tcpshift: git said nothing about the cache.
      if (notGitsVerdict(err)) throw new FetchError(`fetch of ${this.describe()} failed: ${redact(text)}`);
      if (MISSING_BRANCH.test(text)) throw new FetchError(missingBranchHint(this.branch, this.repo, await this.heads().catch(() => [])));
      const dubious = dubiousPath(text);
      if (dubious !== null) throw new FetchError(`fetch of ${this.describe()} failed: ${dubiousHint(dubious)}`);
      if (looksCorrupt(text) || !(await this.cache.healthy())) {
        this.cache.markBroken();
        if (mayRepair) {
          this.logger?.warn({ source: this.describe(), err: summary(text) }, 'git cache damaged; re-creating it');
          return this.resolveOnce(false);
        }
      }
      throw new FetchError(`fetch of ${this.describe()} failed: ${summary(text)}`);
    }
  }

  private async readOnce(revision: string): Promise<Snapshot> {
    if (!SHA.test(revision)) throw new FetchError(`not a commit id: ${JSON.stringify(revision.slice(0, 80))}`);
    let snap: Snapshot;
    try {
      snap = await readCommit(this.cache.git, revision, this.subPath, this.limits, this.known, (n) => { this.blobsRead += n; });
    } catch (err) {
      const text = errorText(err);
      if (notGitsVerdict(err)) throw new FetchError(`read of ${revision} from ${this.describe()} failed: ${redact(text)}`);
      if (MISSING_REVISION.test(text)) throw new FetchError(`revision ${revision} is not in the cache of ${this.describe()}`);
      if (looksCorrupt(text) || !(await this.cache.healthy())) this.cache.markBroken();
      throw new FetchError(`read of ${revision} from ${this.describe()} failed: ${summary(text)}`);
    }
    this.known = new Map(snap.files.flatMap((f) => (f.content && f.id ? [[f.id, f.content] as const] : [])));
    if (this.verifier !== null) snap = await this.verified(snap);
    if (snap.missingPath !== undefined && this.hintedRevision !== revision) {
      // The reconciler rejects it (PATH_NOT_FOUND); say once per revision which folders the commit does have.
      this.hintedRevision = revision;
      this.logger?.warn({ source: this.describe(), revision, hint: missingPathHint(this.subPath, this.branch, revision, await this.folders(revision)) }, 'manifest path not in the commit');
    }
    return snap;
  }

  /** The snapshot with its signer, or marked untrusted (rejected whole by the build step); FetchError when git/gpg could not run. */
  private async verified(snap: Snapshot): Promise<Snapshot> {
    let verdict;
    try {
      verdict = await (this.verifier as CommitVerifier).verify(snap.revision);
    } catch (err) {
      throw new FetchError(`signature check of ${snap.revision} from ${this.describe()} failed: ${summary(errorText(err))}`);
    }
    if (!verdict.ok) return { ...snap, untrusted: verdict.diagnostic };
    return snap.commit ? { ...snap, commit: { ...snap.commit, signer: verdict.signer } } : snap;
  }

  /** The folders next to the `--path` (its parent's sub-folders) in `revision`; [] when they cannot be listed. */
  private async folders(revision: string): Promise<string[]> {
    const parent = this.subPath.includes('/') ? this.subPath.slice(0, this.subPath.lastIndexOf('/')) : '';
    const listing = await this.cache.git.text(['ls-tree', '-d', '--name-only', parent === '' ? `${revision}^{tree}` : `${revision}:${parent}`]).catch(() => '');
    return listing.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Git's `fatal:`/`error:` lines (else its first lines), at most two, credentials redacted. */
function summary(text: string): string {
  const lines = text
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const errors = lines.filter((l) => /^(fatal|error):/.test(l));
  const chosen = (errors.length > 0 ? errors : lines).slice(0, 2).map((l) => l.replace(/^(fatal|error):\s*/, ''));
  return redact(chosen.join('; ') || 'git failed');
}

/**
 * Any revision of a local repository (`tcpshift diff --repo . origin/main HEAD`), read straight from
 * its object store with the commit reader the Git source uses: refs are the user's own (remote-tracking
 * branches, tags, `HEAD~1`), nothing is fetched or written, and the working tree is never looked at.
 */
import { existsSync } from 'node:fs';
import { FetchError } from '../errors';
import { DEFAULT_LIMITS, type ReadLimits } from '../manifest/types';
import { gitDirOf, localRepoPath } from './git-local';
import { errorText, GitRunner } from './git-run';
import { readCommit } from './git-tree';
import { normalizeSubPath } from './paths';
import { redact } from './redact';
import type { Snapshot } from './types';

/** Where the repository is and what to read of it. */
export interface LocalRepoOptions {
  /** Sub-folder holding the manifests; '' = the whole tree. */
  readonly path?: string;
  readonly limits?: ReadLimits;
  /** A git process silent for this long is killed (default 60 s). */
  readonly timeoutMs?: number;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A local clone (path or file:// URL) whose revisions are resolved and read by name. */
export class LocalRepo {
  readonly dir: string;
  readonly subPath: string;
  private readonly git: GitRunner;
  private readonly limits: ReadLimits;

  /** Throws (a plain Error) for a remote URL, a folder that does not exist, or a sub-path leaving the repository. */
  constructor(repo: string, opts: LocalRepoOptions = {}) {
    const dir = localRepoPath(repo);
    if (dir === null) throw new Error(`${redact(repo)} is not a local repository; clone it and give its path`);
    if (!existsSync(dir)) throw new Error(`no such repository: ${dir}`);
    this.dir = dir;
    this.subPath = normalizeSubPath(opts.path ?? '');
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.git = new GitRunner(gitDirOf(dir), dir, opts.timeoutMs ?? 60_000);
  }

  /** Resolves a revision name (`HEAD`, `main`, `origin/main`, a tag, `HEAD~1`, a SHA) to a commit SHA; throws FetchError when it names none. */
  async resolve(rev: string): Promise<string> {
    if (rev === '' || rev.startsWith('-') || /[\0\n]/.test(rev)) throw new FetchError(`not a revision: ${JSON.stringify(rev)}`);
    let out: string;
    try {
      out = await this.git.text(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    } catch (err) {
      throw new FetchError(`${rev} is not a commit of ${this.dir}${gitLine(errorText(err))}`);
    }
    const sha = out.trim();
    if (!SHA.test(sha)) throw new FetchError(`${rev} is not a commit of ${this.dir}`);
    return sha;
  }

  /** Reads the manifest entries of commit `sha` under the sub-path (`missingPath` set when it is absent); throws FetchError. */
  async read(sha: string): Promise<Snapshot> {
    if (!SHA.test(sha)) throw new FetchError(`not a commit id: ${JSON.stringify(sha.slice(0, 80))}`);
    try {
      return await readCommit(this.git, sha, this.subPath, this.limits);
    } catch (err) {
      throw new FetchError(`read of ${sha} from ${this.dir} failed${gitLine(errorText(err))}`);
    }
  }
}

/** `: <git's first fatal/error line>`, or '' when git said nothing useful. */
function gitLine(text: string): string {
  const line = text.split(/[\r\n]+/).map((l) => l.trim()).find((l) => /^(fatal|error):/.test(l)) ?? text.split(/[\r\n]+/)[0]?.trim() ?? '';
  return line === '' ? '' : `: ${redact(line.replace(/^(fatal|error):\s*/, ''))}`;
}

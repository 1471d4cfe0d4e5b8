/** The one thin wrapper over simple-git: every git process the Git source spawns goes through here. */
import { simpleGit, type SimpleGit } from 'simple-git';

/** Environment names simple-git guards; ambient ones are dropped as simple-git itself would. */
const GUARDED_ENV = /^(git_.*|editor|pager|prefix|ssh_askpass|visual)$/i;
const ALLOWED_ENV = ['GIT_DIR', 'GIT_TERMINAL_PROMPT'];

/** Runs git against one bare repository (`GIT_DIR`), never discovering a repository from the cwd. */
export class GitRunner {
  private readonly env: Record<string, string>;

  /** `gitDir`: the bare repository; `cwd`: an existing folder to run in; `timeoutMs`: kill a silent git after this. */
  constructor(
    readonly gitDir: string,
    private readonly cwd: string,
    private readonly timeoutMs: number,
  ) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !GUARDED_ENV.test(k)) env[k] = v;
    this.env = { ...env, GIT_DIR: gitDir, GIT_TERMINAL_PROMPT: '0' };
  }

  /** Runs `git ...args` and returns stdout as text; rejects with git's stderr as the message. */
  async text(args: readonly string[]): Promise<string> {
    return this.git().raw([...args]);
  }

  /** Runs `git cat-file --batch` with `input` on stdin and returns stdout as bytes. */
  async batch(input: string): Promise<Buffer> {
    const out: unknown = await this.git(input).binaryCatFile(['--batch']);
    if (!Buffer.isBuffer(out)) throw new Error('git cat-file --batch returned no bytes');
    return out;
  }

  private git(input?: string): SimpleGit {
    return simpleGit({
      baseDir: this.cwd,
      allowEnvironment: ALLOWED_ENV,
      timeout: { block: this.timeoutMs },
      ...(input === undefined ? {} : { input: () => input }),
    }).env(this.env);
  }
}

/** The text of whatever a git call threw, for matching and messages (not yet redacted). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

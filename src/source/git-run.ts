/**
 * The one thin wrapper that spawns git: every git process the Git source starts goes through here,
 * started from the calling thread or, in a serving process, from the git thread (git-thread.ts).
 * Each runs in its own process group (a terminal's Ctrl-C does not reach it; tcpshift stops it, helpers
 * such as git-remote-http included), under a silence timeout and a total timeout; a failed spawn
 * (EMFILE, ENOENT, …) rejects like any other git failure and never escapes as an 'error' event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';

/** Environment names git reads that could redirect it; ambient ones are dropped. */
const GUARDED_ENV = /^(git_.*|editor|pager|prefix|ssh_askpass|visual)$/i;

/** A stopped group gets SIGTERM (git removes its lock files), then SIGKILL after this. */
const KILL_GRACE_MS = 1000;

/** Why a git call did not finish on its own: tcpshift stopped it, or it ran out of time. */
export class GitInterrupted extends Error {
  constructor(message: string, readonly kind: 'cancelled' | 'timeout') {
    super(message);
    this.name = 'GitInterrupted';
  }
}

/** git could not be started at all (`spawn git EMFILE`, `ENOENT`, …): says nothing about the cache. */
export class GitSpawnError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
    this.name = 'GitSpawnError';
  }
}

/** True when git was stopped by tcpshift (shutdown) rather than failing: never a sign of a damaged cache. */
export function wasCancelled(err: unknown): boolean {
  return err instanceof GitInterrupted && err.kind === 'cancelled';
}

/** True when git never ran or was interrupted: its (missing) output says nothing about the repository. */
export function notGitsVerdict(err: unknown): boolean {
  return err instanceof GitInterrupted || err instanceof GitSpawnError;
}

/** Where one runner's git processes run and what they see: the bare repository, the folder, the environment. */
export interface GitSpec {
  readonly gitDir: string;
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string>>;
}

/** Where a runner's git calls are started: in this thread, or on the process's git thread (git-thread.ts). */
export interface GitExecutor {
  run(args: readonly string[], input?: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** How a runner starts git. */
export interface GitRunnerOptions {
  /**
   * Where its git calls start (default: this thread). The serving process gives the git thread's
   * (git-thread.ts): a spawn forks the whole process, a few ms at a serving process's size, which
   * would stall the data plane.
   */
  readonly executor?: (spec: GitSpec) => GitExecutor;
}

/** Runs git against one bare repository (`GIT_DIR`), never discovering a repository from the cwd. */
export class GitRunner {
  private readonly exec: GitExecutor;

  /**
   * `gitDir`: the bare repository; `cwd`: an existing folder to run in; `timeoutMs`: kill a git silent
   * this long (no output on stdout or stderr); a call is also killed after 10 × `timeoutMs` in all;
   * `extraEnv`: more variables (the verifier's private GNUPGHOME).
   */
  constructor(
    readonly gitDir: string,
    cwd: string,
    timeoutMs: number,
    extraEnv: Readonly<Record<string, string>> = {},
    opts: GitRunnerOptions = {},
  ) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !GUARDED_ENV.test(k)) env[k] = v;
    const spec: GitSpec = { gitDir, cwd, timeoutMs, env: { ...env, ...extraEnv, GIT_DIR: gitDir, GIT_TERMINAL_PROMPT: '0' } };
    this.exec = opts.executor ? opts.executor(spec) : new GitProcesses(spec);
  }

  /** Runs `git ...args` and returns stdout as text; rejects with git's output as the message. */
  async text(args: readonly string[]): Promise<string> {
    return (await this.exec.run(args)).toString('utf8');
  }

  /** Runs `git cat-file --batch` with `input` on stdin and returns stdout as bytes. */
  async batch(input: string): Promise<Buffer> {
    return this.exec.run(['cat-file', '--batch'], input);
  }

  /**
   * Stops every git running now (SIGTERM to its process group, SIGKILL after a second) and refuses new
   * calls; resolves once they have exited. Their callers see a cancellation (`wasCancelled`).
   */
  stop(): Promise<void> {
    return this.exec.stop();
  }
}

/** Spawns one runner's git processes from the calling thread; `onGroup` hears each child's process group start and end. */
export class GitProcesses implements GitExecutor {
  private readonly live = new Set<ChildProcess>();
  private stopped = false;

  constructor(private readonly spec: GitSpec, private readonly onGroup: (pid: number, alive: boolean) => void = trackGroup, private readonly nice = 0) {}

  /** See GitRunner.stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.live].map((child) => new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      // Bounded: a helper that left the group could hold git's pipes open after the SIGKILL.
      setTimeout(resolve, KILL_GRACE_MS * 2).unref();
      killGroup(child, 'cancelled');
    })));
  }

  /** Runs `git ...args` (with `input` on stdin) and resolves with stdout; rejects with git's output, GitInterrupted or GitSpawnError. */
  run(args: readonly string[], input?: string): Promise<Buffer> {
    const what = callName(args);
    if (this.stopped) return Promise.reject(new GitInterrupted(`${what} not started: tcpshift is stopping`, 'cancelled'));
    const { cwd, env, timeoutMs } = this.spec;
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn('git', [...args], {
          cwd, env, detached: true, windowsHide: true,
          stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
      } catch (err) {
        return reject(spawnError(what, err));
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let settled = false;
      const settle = (err: Error | null, value?: Buffer): void => {
        if (settled) return;
        settled = true;
        silence.clear();
        total.clear();
        this.live.delete(child);
        if (err) reject(err);
        else resolve(value ?? Buffer.alloc(0));
      };
      const silence = new Timer(timeoutMs, () => killGroup(child, 'timeout'));
      const total = new Timer(timeoutMs * 10, () => killGroup(child, 'timeout'));
      const heard = (into: Buffer[]) => (chunk: Buffer) => { into.push(chunk); silence.restart(); };
      // A spawn that fails (EMFILE, ENOENT) emits 'error' and has no pid; a running one ends with 'close'.
      child.on('error', (err) => { if (child.pid === undefined) settle(spawnError(what, err)); });
      child.stdout?.on('data', heard(out));
      child.stderr?.on('data', heard(errOut));
      child.stdin?.on('error', () => undefined); // git may exit before reading all input: its exit code says why
      if (input !== undefined) child.stdin?.end(input);
      this.live.add(child);
      const pid = child.pid;
      if (pid !== undefined) {
        this.onGroup(pid, true);
        child.once('close', () => this.onGroup(pid, false));
        if (this.nice > 0) lowerPriority(pid, this.nice);
      }
      child.once('close', (code, signal) => {
        const stopped = stoppedBy.get(child);
        if (stopped === 'cancelled') return settle(new GitInterrupted(`${what} stopped: tcpshift is stopping`, 'cancelled'));
        if (stopped === 'timeout') return settle(new GitInterrupted(`${what} timed out (silent for ${timeoutMs} ms, or running ${timeoutMs * 10} ms in all)`, 'timeout'));
        if (code === 0) return settle(null, Buffer.concat(out));
        const text = Buffer.concat([...out, ...errOut]).toString('utf8').trim();
        settle(new Error(text || `${what} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`));
      });
    });
  }
}

/** Renices a git child (and what it starts from then on, e.g. fetch's upload-pack); not allowed or gone: it runs as it is. */
function lowerPriority(pid: number, nice: number): void {
  try {
    setPriority(pid, nice);
  } catch {
    // gone already, or not permitted
  }
}

/** `git fetch` for `['fetch', '--verbose', …]`: how a call is named in messages. */
export function callName(args: readonly string[]): string {
  return `git ${args.find((a) => !a.startsWith('-')) ?? ''}`;
}

/** The text of whatever a git call threw, for matching and messages (not yet redacted). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Process groups of running git children: killed if this process exits first (they are not in its group). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Records that the process group `pid` started (alive) or ended: groups alive when this process exits are killed. */
export function trackGroup(pid: number, alive: boolean): void {
  if (!alive) {
    liveGroups.delete(pid);
    return;
  }
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => { for (const g of liveGroups) signalGroup(g, 'SIGKILL'); });
  }
}

/** Why tcpshift killed a child, if it did. */
const stoppedBy = new WeakMap<ChildProcess, 'cancelled' | 'timeout'>();

/** SIGTERM to the child's process group, SIGKILL to it after a grace period (helpers may outlive git). */
function killGroup(child: ChildProcess, why: 'cancelled' | 'timeout'): void {
  if (!stoppedBy.has(child)) stoppedBy.set(child, why);
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function spawnError(what: string, err: unknown): GitSpawnError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const hint = code === 'ENOENT' ? ': is git installed and on PATH?' : code === 'EMFILE' || code === 'ENFILE' ? ': out of file descriptors' : '';
  return new GitSpawnError(`could not start ${what} (${errorText(err)})${hint}`, code);
}

/** A restartable one-shot timer that never keeps the process alive. */
class Timer {
  private readonly handle: NodeJS.Timeout;
  constructor(ms: number, fire: () => void) {
    this.handle = setTimeout(fire, ms);
    this.handle.unref();
  }
  restart(): void {
    this.handle.refresh();
  }
  clear(): void {
    clearTimeout(this.handle);
  }
}

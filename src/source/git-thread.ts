/**
 * The git thread: one worker thread per process from which the serving process's git children are
 * spawned. A spawn forks the whole process and waits for the child's exec; at a serving process's
 * size that is a few ms per git call on the thread that calls it, so the data plane's thread never
 * does. Each runner's calls keep their contract (timeouts, process groups, stop) — the thread runs
 * GitProcesses — and their errors come back as the same classes. The thread starts on the first
 * call, keeps the process up only while a call is in flight, and is replaced if it ends.
 */
import type { Worker } from 'node:worker_threads';
import { startThread } from '../threads';
import { callName, GitInterrupted, GitSpawnError, trackGroup, type GitExecutor, type GitSpec } from './git-run';

/** Main → git thread. */
export type ToGitThread =
  | { readonly type: 'run'; readonly id: number; readonly runner: number; readonly spec: GitSpec; readonly args: readonly string[]; readonly input?: string }
  | { readonly type: 'stop'; readonly id: number; readonly runner: number };

/** An error thrown on the git thread, as plain data. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly kind?: 'cancelled' | 'timeout';
  readonly code?: string;
}

/** Git thread → main: a call's end, or a git child's process group starting or ending. */
export type FromGitThread =
  | { readonly type: 'done'; readonly id: number; readonly out?: Uint8Array; readonly error?: WireError }
  | { readonly type: 'group'; readonly pid: number; readonly alive: boolean };

interface Call {
  readonly resolve: (out: Buffer) => void;
  readonly reject: (err: Error) => void;
}

class GitThread {
  private worker: Worker | null = null;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  /** Calls made, ever (tests). */
  made = 0;

  get started(): boolean {
    return this.worker !== null;
  }

  call(msg: Omit<Extract<ToGitThread, { type: 'run' }>, 'id'> | Omit<Extract<ToGitThread, { type: 'stop' }>, 'id'>): Promise<Buffer> {
    const w = this.ensure();
    const id = this.nextId++;
    this.made += 1;
    return new Promise<Buffer>((resolve, reject) => {
      if (this.calls.size === 0) w.ref(); // a call in flight keeps the process up; an idle thread does not
      this.calls.set(id, { resolve, reject });
      w.postMessage({ ...msg, id } as ToGitThread);
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = startThread(__dirname, 'git-thread-worker', {});
    w.unref();
    w.on('message', (m: FromGitThread) => this.onMessage(m));
    w.on('error', () => undefined); // told at 'exit'
    w.on('exit', (code) => this.ended(w, code));
    this.worker = w;
    return w;
  }

  private onMessage(m: FromGitThread): void {
    if (m.type === 'group') return trackGroup(m.pid, m.alive);
    const c = this.calls.get(m.id);
    if (c === undefined) return;
    this.calls.delete(m.id);
    if (this.calls.size === 0) this.worker?.unref();
    if (m.error) c.reject(errorOf(m.error));
    else c.resolve(m.out ? Buffer.from(m.out.buffer, m.out.byteOffset, m.out.byteLength) : Buffer.alloc(0));
  }

  /** The thread ended: calls in flight fail as git not started (no verdict on the cache); the next call starts a new thread. */
  private ended(w: Worker, code: number): void {
    if (w !== this.worker) return;
    this.worker = null;
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const c of calls) c.reject(new GitSpawnError(`the git thread ended (code ${code}); the call is retried with the next run`, undefined));
  }
}

let shared: GitThread | null = null;
let runners = 0;

/** A runner's executor on the process's git thread (GitRunnerOptions.executor). */
export function onGitThread(spec: GitSpec): GitExecutor {
  shared ??= new GitThread();
  const thread = shared;
  const runner = ++runners;
  let stopped = false;
  return {
    run(args, input) {
      if (stopped) return Promise.reject(new GitInterrupted(`${callName(args)} not started: tcpshift is stopping`, 'cancelled'));
      return thread.call({ type: 'run', runner, spec, args, ...(input !== undefined ? { input } : {}) });
    },
    async stop() {
      stopped = true;
      if (thread.started) await thread.call({ type: 'stop', runner });
    },
  };
}

/** Git calls sent to the git thread, ever (tests: the serving thread spawned none itself). */
export function gitThreadCalls(): number {
  return shared?.made ?? 0;
}

function errorOf(e: WireError): Error {
  if (e.name === 'GitInterrupted') return new GitInterrupted(e.message, e.kind ?? 'cancelled');
  if (e.name === 'GitSpawnError') return new GitSpawnError(e.message, e.code);
  return new Error(e.message);
}

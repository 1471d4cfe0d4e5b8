/** The git thread's entry: runs each runner's git calls with GitProcesses (git children reniced), answering with their output or error. */
import { parentPort } from 'node:worker_threads';
import { niceThisThread } from '../threads';
import { GitInterrupted, GitProcesses, GitSpawnError } from './git-run';
import type { FromGitThread, ToGitThread, WireError } from './git-thread';

/** Nice value of this thread (its forks) and of the git children: on a busy machine the data plane runs first. */
const GIT_NICE = 10;

const port = parentPort;
if (port === null) throw new Error('src/source/git-thread-worker.ts runs as a worker thread');
niceThisThread(GIT_NICE);
const runners = new Map<number, GitProcesses>();
const post = (m: FromGitThread): void => port.postMessage(m);

port.on('message', (m: ToGitThread) => {
  if (m.type === 'stop') {
    const r = runners.get(m.runner);
    void (r ? r.stop() : Promise.resolve()).then(() => post({ type: 'done', id: m.id }));
    return;
  }
  let r = runners.get(m.runner);
  if (r === undefined) {
    r = new GitProcesses(m.spec, (pid, alive) => post({ type: 'group', pid, alive }), GIT_NICE);
    runners.set(m.runner, r);
  }
  r.run(m.args, m.input).then(
    (out) => post({ type: 'done', id: m.id, out }),
    (err: unknown) => post({ type: 'done', id: m.id, error: wire(err) }),
  );
});

function wire(err: unknown): WireError {
  if (err instanceof GitInterrupted) return { name: err.name, message: err.message, kind: err.kind };
  if (err instanceof GitSpawnError) return { name: err.name, message: err.message, ...(err.code !== undefined ? { code: err.code } : {}) };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

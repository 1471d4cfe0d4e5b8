/**
 * Stopping always stops: `tcpshift run` fetching from a server that accepts and never answers exits
 * within --drain-timeout (plus a margin) after SIGINT/SIGTERM, leaves no git process behind, and does
 * not mistake the fetch it cancelled itself for a damaged cache.
 */
import { tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { freePort, startServer, waitFor } from '../helpers/net';
import { killAll, processesWith, startRun } from '../helpers/run-process';

const h = new Harness();
afterEach(() => h.cleanup());

/** A loopback server that accepts and says nothing; counts connections. */
async function silentServer(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  const s = await startServer(() => { n++; });
  h.defer(() => s.close());
  return { port: s.port, connections: () => n };
}

/** Resolves with the exit code, or 'still running' after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'still running'>((r) => { timer = setTimeout(() => r('still running'), ms); })]).finally(() => clearTimeout(timer));
}

test.each([
  ['SIGINT to the process group (a terminal Ctrl-C)', 'group', 'SIGINT'],
  ['SIGTERM to the process', 'process', 'SIGTERM'],
] as const)('%s: a hanging fetch is stopped, the process exits within --drain-timeout, no git is left', async (_name, target, sig) => {
  const server = await silentServer();
  const url = `http://127.0.0.1:${server.port}/never-answers.git`;
  h.defer(async () => killAll(processesWith(url)));
  const state = tempDir();
  h.defer(async () => state.cleanup());
  const run = startRun(h, ['--repo', url, '--state-dir', state.dir, '--admin', `127.0.0.1:${await freePort()}`,
    '--listen-host', '127.0.0.1', '--no-watch', '--drain-timeout', '1s']);
  await waitFor(() => server.connections() > 0, 10_000, 'git connecting to the silent server');
  await waitFor(() => processesWith(url).length > 0, 5000, 'a git process fetching');

  if (target === 'group') run.signalGroup(sig);
  else run.signal(sig);
  // --drain-timeout 1s; a margin of a few seconds for a loaded machine. Without the fix git's own
  // 60 s timeout (or nothing) ends the fetch.
  expect(await within(run.exited, 6000)).toBe(0);
  await waitFor(() => processesWith(url).length === 0, 2000, () => `git processes gone (left: ${processesWith(url).join(', ')})`);
  expect(run.lines().filter((l) => l.msg === 'git cache damaged; re-creating it')).toEqual([]);
  expect(server.connections()).toBe(1);
}, 30_000);

/**
 * The git spawner: a git that never hears back is killed after the timeout, process group and helpers
 * included; close() stops a fetch in flight at once and is never read as cache damage; a git that
 * cannot be started rejects (no 'error' event escapes).
 */
import pino from 'pino';
import { FetchError } from '../../src/errors';
import { GitRunner, GitSpawnError, wasCancelled } from '../../src/source/git-run';
import { GitSource } from '../../src/source/git';
import { tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { captureLogs } from '../helpers/logs';
import { startServer, waitFor } from '../helpers/net';
import { killAll, processesWith } from '../helpers/run-process';

const h = new Harness();
afterEach(() => h.cleanup());

/** An http:// remote that accepts and never answers; killed-git leftovers are removed at cleanup. */
async function silentRemote(): Promise<{ url: string; connections: () => number }> {
  let n = 0;
  const s = await startServer(() => { n++; });
  const url = `http://127.0.0.1:${s.port}/silent.git`;
  h.defer(async () => { killAll(processesWith(url)); await s.close(); });
  return { url, connections: () => n };
}

function source(url: string, timeoutMs: number, logger?: pino.Logger): GitSource {
  const state = tempDir();
  h.defer(async () => state.cleanup());
  return new GitSource({ repo: url, stateDir: state.dir, timeoutMs, ...(logger ? { logger } : {}) });
}

test('a fetch that hears nothing is killed after the timeout, helpers included, and is no cache damage', async () => {
  const remote = await silentRemote();
  const logs = captureLogs();
  const src = source(remote.url, 500, logs.log);
  const err = await src.resolve().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FetchError);
  expect((err as Error).message).toMatch(/timed out/);
  expect(remote.connections()).toBe(1);
  await waitFor(() => processesWith(remote.url).length === 0, 3000, () => `git gone (left: ${processesWith(remote.url).join(', ')})`);
  expect(logs.lines.filter((l) => l.msg === 'git cache damaged; re-creating it')).toEqual([]);
});

test('close() stops a fetch in flight (group and all) and refuses new git calls; no cache damage', async () => {
  const remote = await silentRemote();
  const logs = captureLogs();
  const src = source(remote.url, 600_000, logs.log);
  const fetching = src.resolve().catch((e: unknown) => e);
  await waitFor(() => remote.connections() > 0 && processesWith(remote.url).length > 0, 10_000, 'git connected');
  await src.close();
  const err = await fetching;
  expect(err).toBeInstanceOf(FetchError);
  expect((err as Error).message).toMatch(/tcpshift is stopping/);
  expect(processesWith(remote.url)).toEqual([]);
  expect(await src.resolve().catch((e: unknown) => (e as Error).message)).toMatch(/tcpshift is stopping/);
  expect(remote.connections()).toBe(1);
  expect(logs.lines.filter((l) => l.msg === 'git cache damaged; re-creating it')).toEqual([]);
});

test('a git that cannot be started rejects with GitSpawnError; a stopped runner rejects as cancelled', async () => {
  const dir = tempDir();
  h.defer(async () => dir.cleanup());
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  let runner: GitRunner;
  try {
    runner = new GitRunner(dir.dir, dir.dir, 5000);
  } finally {
    process.env.PATH = saved;
  }
  const err = await runner.text(['--version']).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GitSpawnError);
  expect((err as GitSpawnError).code).toBe('ENOENT');
  await runner.stop();
  expect(wasCancelled(await runner.text(['--version']).catch((e: unknown) => e))).toBe(true);
});

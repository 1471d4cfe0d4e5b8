/** Watching: a commit to a local repo (working or bare) calls onChange; stop() really stops. No wall-clock limits: waits end on the event. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirSource, GitSource, type StopWatch } from '../../src/source';
import { watchPaths } from '../../src/source/watch';
import { gitRepo, tempDir } from '../helpers/git';

const LIMITS = { maxFileBytes: 1 << 20, maxTotalBytes: 16 << 20 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the elapsed ms once `pred()` holds; rejects after `timeoutMs` (a backstop, not a limit under test). */
async function waitFor(pred: () => boolean, timeoutMs = 10_000): Promise<number> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Starts a watch counting calls; stopped after the test. */
async function counting(start: (cb: () => void) => StopWatch): Promise<{ calls: () => number; stop: StopWatch }> {
  let n = 0;
  const stop = start(() => n++);
  cleanups.push(stop);
  await stop.ready;
  return { calls: () => n, stop };
}

describe.each([
  ['working repo by path', false],
  ['bare repo by file:// URL', true],
])('GitSource.watch on a %s', (_name, bare) => {
  test('a commit on the branch fires; a burst of commits is coalesced; stop() stops', async () => {
    const repo = gitRepo({ 'a.yaml': 'v: 1\n' }, { bare });
    const state = tempDir('tcpshift-state-');
    cleanups.push(repo.cleanup, state.cleanup);
    const src = new GitSource({ repo: bare ? repo.url : repo.dir, stateDir: state.dir, limits: LIMITS });
    const w = await counting((cb) => src.watch(cb));

    const sha = repo.commit({ 'a.yaml': 'v: 2\n' });
    await waitFor(() => w.calls() >= 1);
    expect(await src.resolve()).toBe(sha);

    await sleep(150);
    const before = w.calls();
    repo.commit({ 'a.yaml': 'v: 3\n' });
    repo.commit({ 'a.yaml': 'v: 4\n' });
    repo.commit({ 'a.yaml': 'v: 5\n' });
    await waitFor(() => w.calls() > before);
    await sleep(200);
    expect(w.calls() - before).toBeLessThanOrEqual(2);

    await w.stop();
    const stopped = w.calls();
    repo.commit({ 'a.yaml': 'v: 6\n' });
    await sleep(300);
    expect(w.calls()).toBe(stopped);
  });

  test('fires after refs were packed (the commit writes a loose ref again)', async () => {
    const repo = gitRepo({ 'a.yaml': 'v: 1\n' }, { bare });
    const state = tempDir('tcpshift-state-');
    cleanups.push(repo.cleanup, state.cleanup);
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['pack-refs', '--all'], { cwd: repo.dir });
    const src = new GitSource({ repo: repo.dir, stateDir: state.dir, limits: LIMITS });
    const w = await counting((cb) => src.watch(cb));
    const sha = repo.commit({ 'a.yaml': 'v: 2\n' });
    await waitFor(() => w.calls() >= 1);
    expect(await src.resolve()).toBe(sha);
  });
});

test('GitSource.watch on a remote URL is a no-op: ready at once, nothing watched, never called', async () => {
  const state = tempDir('tcpshift-state-');
  cleanups.push(state.cleanup);
  const src = new GitSource({ repo: 'https://example.invalid/repo.git', stateDir: state.dir, limits: LIMITS });
  let calls = 0;
  const stop = src.watch(() => calls++);
  cleanups.push(stop);
  // A real watcher is ready only after chokidar has scanned the file system (later than a microtask).
  let ready = false;
  void stop.ready.then(() => (ready = true));
  await Promise.resolve();
  expect(ready).toBe(true);
  await stop();
  await stop();
  expect(calls).toBe(0);
});

describe('DirSource.watch', () => {
  test('a file change fires; changes inside .git do not', async () => {
    const tmp = tempDir('tcpshift-dir-');
    cleanups.push(tmp.cleanup);
    mkdirSync(join(tmp.dir, '.git'));
    writeFileSync(join(tmp.dir, 'a.yaml'), 'v: 1\n');
    const src = new DirSource({ dir: tmp.dir, limits: LIMITS });
    const w = await counting((cb) => src.watch(cb));

    writeFileSync(join(tmp.dir, '.git', 'index'), 'x');
    await sleep(300);
    expect(w.calls()).toBe(0);

    writeFileSync(join(tmp.dir, 'a.yaml'), 'v: 2\n');
    await waitFor(() => w.calls() >= 1);

    mkdirSync(join(tmp.dir, 'sub'));
    writeFileSync(join(tmp.dir, 'sub', 'b.yaml'), 'b: 1\n');
    await waitFor(() => w.calls() >= 2);
  });
});

describe('watchPaths', () => {
  test('a burst of writes is one call, after the quiet time', async () => {
    const tmp = tempDir('tcpshift-watch-');
    cleanups.push(tmp.cleanup);
    const w = await counting((cb) => watchPaths([tmp.dir], { debounceMs: 100 }, cb));
    for (let i = 0; i < 10; i++) writeFileSync(join(tmp.dir, `f${i}.yaml`), `${i}`);
    await waitFor(() => w.calls() >= 1);
    await sleep(300);
    expect(w.calls()).toBe(1);
  });

  test('stop() before the quiet time is over drops the pending call', async () => {
    const tmp = tempDir('tcpshift-watch-');
    cleanups.push(tmp.cleanup);
    // Three watches of one folder: `quick` shows the event arrived, `stopped` is stopped then,
    // `late` (quiet time longer than `stopped`'s) shows `stopped` would have fired by now.
    const quick = await counting((cb) => watchPaths([tmp.dir], { debounceMs: 10 }, cb));
    const stopped = await counting((cb) => watchPaths([tmp.dir], { debounceMs: 800 }, cb));
    const late = await counting((cb) => watchPaths([tmp.dir], { debounceMs: 2000 }, cb));
    writeFileSync(join(tmp.dir, 'a.yaml'), 'a');
    await waitFor(() => quick.calls() >= 1);
    await stopped.stop();
    await waitFor(() => late.calls() >= 1);
    expect(stopped.calls()).toBe(0);
  });
});

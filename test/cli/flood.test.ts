/**
 * Descriptor exhaustion on a real `tcpshift run` under `prlimit --nofile=64`: a flood of client
 * connections makes the next `spawn git` fail with EMFILE. That is a FetchFailed with backoff (never a
 * crash, never "cache damaged"); serving goes on, and the next retry succeeds once descriptors are free.
 */
import type * as net from 'node:net';
import { connect } from 'node:net';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { freePort, LineClient } from '../helpers/net';
import { startRun } from '../helpers/run-process';
import { allV1Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

/** `n` connections to `port` that each send a line and stay open; destroyed at cleanup. */
function flood(port: number, n: number): net.Socket[] {
  const socks = Array.from({ length: n }, () => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write('flood\n'));
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    return s;
  });
  h.defer(async () => { for (const s of socks) s.destroy(); });
  return socks;
}

test('EMFILE on spawn git is a FetchFailed with backoff; the process keeps serving and recovers when descriptors free up', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(allV1Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const admin = await freePort();
  const run = startRun(h, ['--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${admin}`,
    '--listen-host', '127.0.0.1', '--no-watch', '--interval', '1s'], { nofile: 64, env: { TCPSHIFT_NATIVE: '0' } });
  await run.line((l) => l.outcome === 'applied', 10_000, 'first apply');

  const socks = flood(ports.gateway, 150);
  await run.line((l) => l.msg === 'reconcile finished' && l.outcome === 'failed' && /EMFILE/.test(String(l.error)), 10_000, 'a fetch failing with EMFILE');
  const failed = run.lines().find((l) => l.msg === 'reconcile finished' && /EMFILE/.test(String(l.error)));
  expect(failed).toMatchObject({ reason: 'FetchFailed', next: 'retry' });
  expect(run.lines().some((l) => l.msg === 'git cache damaged; re-creating it')).toBe(false);

  // Descriptors come back: the next retry succeeds and the proxy answers a new client.
  for (const s of socks) s.destroy();
  let status: { fetchFailures?: number; lastOutcome?: string } = {};
  const recovered = async (): Promise<boolean> => {
    status = await fetch(`http://127.0.0.1:${admin}/status`, { signal: AbortSignal.timeout(2000) }).then((r) => r.json() as Promise<typeof status>, () => ({}));
    return status.fetchFailures === 0;
  };
  const end = Date.now() + 10_000;
  while (!(await recovered())) {
    if (Date.now() > end) throw new Error(`no successful fetch after the flood; status ${JSON.stringify(status)}\n${run.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const c = await LineClient.open(ports.gateway);
  h.defer(() => c.close());
  expect(await c.send('after')).toBe('one after');
  await c.close();
  expect(run.lines().some((l) => l.msg === 'git cache damaged; re-creating it')).toBe(false);
  run.signal('SIGTERM');
  expect(await run.exited).toBe(0);
}, 30_000);

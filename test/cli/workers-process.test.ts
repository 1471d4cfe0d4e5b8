/** `tcpshift run --workers 2` as a process: one reconciler, two data-plane threads, /status summed, SIGTERM stops every thread. */
import { spawn } from 'node:child_process';
import type { StatusDocument } from '../../src/cli/status-view';
import { MAIN, tcpshift } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { routeFiles } from '../helpers/routes';
import { nativeBinding } from '../../src/proxy/native/binding';

const h = new Harness();
afterEach(() => h.cleanup());
const native = nativeBinding() !== null ? test : test.skip;

test('--workers is on run --help, and the suite runs with TCPSHIFT_WORKERS=1 (one thread, as before) unless a test asks', () => {
  expect(tcpshift(['run', '--help']).stdout).toMatch(/--workers <n>.*\(default: the number of cores/s);
  expect(process.env['TCPSHIFT_WORKERS']).toBe('1');
});

native('an 80/20 route over 2 workers: exact 8 and 2 in every 10, /status summed, a commit applied on both, SIGTERM stops it', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number) => routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
  const repo = gitRepo(files(80, 20));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const adminPort = await freePort();
  const p = spawn(process.execPath, [MAIN, 'run', '--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${adminPort}`,
    '--listen-host', '127.0.0.1', '--log-format', 'json', '--no-watch', '--interval', '1h', '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  let code: number | null = null;
  const exited = new Promise<void>((resolve) => p.on('exit', (c) => { code = c; resolve(); }));
  h.defer(async () => { p.kill('SIGKILL'); await exited; });
  await waitFor(() => out.includes('"outcome":"applied"'), 20_000, 'first apply');
  expect(out).toMatch(/"workers":2,"msg":"data-plane workers starting"/);
  const got: string[] = [];
  for (let i = 0; i < 50; i++) got.push((await connectAndSend(ports.gateway, 'x')).split(' ')[0]!);
  for (let i = 0; i < 50; i += 10) expect(got.slice(i, i + 10)).toEqual(['one', 'one', 'two', 'one', 'one', 'one', 'one', 'two', 'one', 'one']);
  const status = async () => (await (await fetch(`http://127.0.0.1:${adminPort}/status`)).json()) as StatusDocument & { listeners: { route: { destinations: { opened: number; closed: number }[] } }[] };
  let s = await status();
  for (let i = 0; i < 200 && s.listeners[0]!.route.destinations.reduce((n, d) => n + d.closed, 0) < 50; i++) {
    await new Promise((r) => setTimeout(r, 50));
    s = await status();
  }
  expect(s.listeners).toHaveLength(1);
  expect(s.listeners[0]!.route.destinations.map((d) => d.opened)).toEqual([40, 10]);
  const sha = repo.commit(files(0, 100));
  p.kill('SIGHUP');
  await waitFor(() => out.includes(sha) && out.includes('"outcome":"applied"', out.indexOf(sha)), 20_000, 'the commit applied');
  for (let i = 0; i < 20; i++) expect(await connectAndSend(ports.gateway, 'y')).toBe('two y\n');
  p.kill('SIGTERM');
  await exited;
  expect(code).toBe(0);
  expect(out).toContain('data-plane workers stopped');
  await expect(connectAndSend(ports.gateway, 'z')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});

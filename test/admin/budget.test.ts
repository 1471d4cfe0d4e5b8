/**
 * The admin server's share of descriptors: half-sent requests are cut after the headers timeout, no
 * more than the cap are held at once, and 150 of them under a 128-descriptor limit do not starve the
 * proxy of a real `tcpshift run`.
 */
import { connect, type Socket } from 'node:net';
import { startAdmin } from '../../src/admin/server';
import { adminConnectionCap, openFileLimit } from '../../src/admin/budget';
import { Reconciler } from '../../src/reconcile/reconciler';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { freePort, LineClient, waitFor } from '../helpers/net';
import { startRun } from '../helpers/run-process';
import { allV1Files } from '../helpers/walkthrough';
import { DirSource } from '../../src/source/dir';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { TEST_COMPILE } from '../helpers/app';

const h = new Harness();
afterEach(() => h.cleanup());

interface Half { socket: Socket; answer: string; closed: boolean }

/** `n` connections that send a request line and one header, never the blank line ending the headers. */
function halfSent(port: number, n: number): Half[] {
  const all = Array.from({ length: n }, (): Half => {
    const socket = connect({ host: '127.0.0.1', port });
    const half: Half = { socket, answer: '', closed: false };
    socket.on('connect', () => socket.write('GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    socket.on('data', (d: Buffer) => { half.answer += d.toString(); });
    socket.on('error', () => undefined);
    socket.on('close', () => { half.closed = true; });
    return half;
  });
  h.defer(async () => { for (const c of all) c.socket.destroy(); });
  return all;
}

test('half-sent requests are cut with 408 after the headers timeout; over the cap, connections are closed at once', async () => {
  const dir = h.folder({});
  const reconciler = new Reconciler(new DirSource({ dir }), { swap: async () => undefined } as never, silent, { compile: TEST_COMPILE, limits: DEFAULT_LIMITS, intervalMs: 600_000 });
  const admin = await startAdmin({ host: '127.0.0.1', port: 0, headersTimeoutMs: 300, maxConnections: 10 }, { reconciler, proxy: { snapshot: () => ({}) as never }, log: silent });
  h.defer(() => admin.close());
  const conns = halfSent(admin.port, 40);
  await waitFor(() => conns.every((c) => c.closed), 10_000, () => `every half-sent request closed (${conns.filter((c) => !c.closed).length} open)`);
  const timedOut = conns.filter((c) => c.answer.startsWith('HTTP/1.1 408'));
  // The ones held (at most the cap) were answered 408; the others were closed on arrival.
  expect(timedOut.length).toBeGreaterThan(0);
  expect(timedOut.length).toBeLessThanOrEqual(10);
  expect(conns.filter((c) => c.answer === '').length).toBeGreaterThanOrEqual(30);
  const res = await fetch(`http://127.0.0.1:${admin.port}/healthz`);
  expect(res.status).toBe(200);
});

test('the cap is 64, or an eighth of the descriptor limit when that is less', () => {
  expect(adminConnectionCap(null)).toBe(64);
  expect(adminConnectionCap(1_048_576)).toBe(64);
  expect(adminConnectionCap(128)).toBe(16);
  expect(adminConnectionCap(16)).toBe(4);
  expect(openFileLimit('Limit                     Soft Limit           Hard Limit           Units     \nMax open files            128                  4096                 files     \n')).toBe(128);
  expect(openFileLimit('Max open files            unlimited            unlimited            files\n')).toBe(Number.MAX_SAFE_INTEGER);
  expect(openFileLimit('')).toBeNull();
});

test('150 half-sent admin requests under a 128-descriptor limit leave the proxy serving; they are cut after the timeout', async () => {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(allV1Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const admin = await freePort();
  const run = startRun(h, ['--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${admin}`, '--listen-host', '127.0.0.1', '--no-watch'],
    { nofile: 128, env: { TCPSHIFT_NATIVE: '0' } });
  await run.line((l) => l.outcome === 'applied', 10_000, 'first apply');
  expect(run.lines().find((l) => l.msg === 'admin server listening')).toMatchObject({ maxConnections: 16 });

  const conns = halfSent(admin, 150);
  await waitFor(() => conns.filter((c) => c.closed).length >= 150 - 16, 10_000, () => `connections over the cap closed (${conns.filter((c) => c.closed).length})`);
  const clients = await Promise.all(Array.from({ length: 10 }, () => LineClient.open(ports.gateway)));
  h.defer(async () => { for (const c of clients) await c.close(); });
  expect(await Promise.all(clients.map((c, i) => c.send(`hello ${i}`)))).toEqual(clients.map((_c, i) => `one hello ${i}`));
  for (const c of clients) await c.close();
  // The held ones are answered 408 once the headers timeout (5 s) passes.
  await waitFor(() => conns.every((c) => c.closed), 15_000, () => `every half-sent request closed (${conns.filter((c) => !c.closed).length} open)`);
  expect(conns.filter((c) => c.answer.startsWith('HTTP/1.1 408')).length).toBeLessThanOrEqual(16);
  run.signal('SIGTERM');
  expect(await run.exited).toBe(0);
}, 40_000);

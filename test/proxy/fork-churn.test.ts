/**
 * Processes spawned while connections churn (every `git` fetch forks): a forked child holds copies
 * of the proxy's sockets until it execs, so a socket closed without leaving the epoll set first
 * stays in it and can still raise events for a connection already freed. First, deterministically:
 * a child made to hold copies of both legs of a connection, which then closes; the addon's epoll
 * set (read from /proc/self/fdinfo) must no longer watch them. Then a stress: connections open and
 * close through the proxy while a worker thread spawns children without pause; every byte must
 * arrive intact and nothing may crash.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import { nativeBinding } from '../../src/proxy/native/binding';
import { Harness } from '../helpers/harness';
import { freePort, LineClient, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];
const ROUNDS = 20;

/**
 * Spawns `true` again and again from a worker thread until stopped, so forks happen while the main
 * thread closes sockets (a spawn on the main thread blocks it until the child has exec'd).
 */
function spawnStorm(): { stop(): Promise<number> } {
  const code = `
    const { spawn } = require('node:child_process');
    const { parentPort } = require('node:worker_threads');
    let stopped = false, ran = 0, live = 2;
    parentPort.on('message', () => { stopped = true; });
    const next = () => {
      if (stopped) { if (--live === 0) { parentPort.postMessage(ran); parentPort.close(); } return; }
      const child = spawn('true', [], { stdio: 'ignore' });
      child.on('error', () => setImmediate(next));
      child.on('exit', () => { ran++; setImmediate(next); });
    };
    next(); next();`;
  const worker = new Worker(code, { eval: true });
  const ran = new Promise<number>((resolve, reject) => {
    worker.once('message', (n: number) => resolve(n));
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const n = await ran;
      await worker.terminate();
      return n;
    },
  };
}

/** Sends `size` deterministic bytes, half-closes, and resolves with the sha256 of what came back. */
function roundTrip(port: number, seed: number, size: number): Promise<{ sent: string; got: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.alloc(size);
    for (let k = 0; k < size; k++) data[k] = (seed * 31 + k * 7) & 0xff;
    const got = createHash('sha256');
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', reject);
    s.on('data', (d: Buffer) => got.update(d));
    s.on('end', () => {
      s.destroy();
      resolve({ sent: createHash('sha256').update(data).digest('hex'), got: got.digest('hex') });
    });
    s.on('connect', () => s.end(data));
  });
}

/** Socket inodes by local and remote port, from /proc/net/tcp (listening sockets have remote port 0). */
function socketInode(local: number, remote: number): string {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[1]!.endsWith(`:${hex(local)}`) && f[2]!.endsWith(`:${hex(remote)}`)) return f[9]!;
  }
  throw new Error(`no socket ${local} → ${remote}`);
}

/** The descriptor of this process that is socket `inode`. */
function fdOfInode(inode: string): number {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]`) return Number(fd);
    } catch {
      // closed meanwhile
    }
  }
  throw new Error(`socket ${inode} is not open here`);
}

/** Inodes (hex, as fdinfo writes them) watched by every epoll set of this process. */
function epollWatched(): Set<string>[] {
  const sets: Set<string>[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let link = '';
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (link !== 'anon_inode:[eventpoll]') continue;
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    sets.push(new Set([...info.matchAll(/\bino:([0-9a-f]+)/g)].map((m) => m[1]!)));
  }
  return sets;
}

(nativeBinding() !== null ? test : test.skip)('native: a closed connection leaves the epoll set even while a child holds its sockets', async () => {
  let upstreamPort = 0; // the proxy's side of its upstream leg, as the backend sees it
  const backend = await h.server((s) => {
    upstreamPort = s.remotePort ?? 0;
    s.on('data', (d: Buffer) => s.write(d));
  });
  const port = await freePort();
  const proxy = h.proxy({ dataPath: 'native' });
  await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: backend }] }] }] }));
  const listenerIno = Number(socketInode(port, 0)).toString(16);
  const ours = () => epollWatched().find((set) => set.has(listenerIno))!;
  expect(ours()).toBeDefined();
  const c = await LineClient.open(port);
  expect(await c.send('hi')).toBe('hi');
  await waitFor(() => proxy.counters().destinations[0]?.opened === 1, 2000, 'connected');
  const legs = [socketInode(port, c.socket.localPort!), socketInode(upstreamPort, backend)];
  for (const ino of legs) expect(ours().has(Number(ino).toString(16))).toBe(true);
  // A child holds copies of both legs, as a forked child does until it execs.
  const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', ...legs.map(fdOfInode)] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  h.defer(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  await c.close();
  await waitFor(() => proxy.counters().active === 0, 2000, 'closed');
  for (const ino of legs) expect(ours().has(Number(ino).toString(16))).toBe(false);
});

describe.each(paths)('%s data path', (dataPath) => {
  test('connections churn while processes are spawned continuously: every byte correct, no crash', async () => {
    const backend = await h.server((s) => s.pipe(s), { allowHalfOpen: true });
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: backend }] }] }] }));
    const storm = spawnStorm();
    let ok = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.all(Array.from({ length: 16 }, (_, i) => roundTrip(port, round * 16 + i, 1 + ((round * 16 + i) * 977) % 20_000)));
        for (const r of results) {
          expect(r.got).toBe(r.sent);
          ok++;
        }
      }
    } finally {
      const ran = await storm.stop();
      expect(ran).toBeGreaterThan(0);
    }
    expect(ok).toBe(ROUNDS * 16);
    await waitFor(() => proxy.counters().active === 0, 5000, 'all released');
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: ROUNDS * 16, closed: ROUNDS * 16, failed: 0 });
  }, 60_000);
});

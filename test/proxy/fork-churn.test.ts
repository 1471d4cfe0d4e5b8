/**
 * Processes spawned while connections churn (every `git` fetch forks): a forked child holds copies
 * of the proxy's sockets until it execs, so a socket closed without leaving the epoll set first can
 * still raise events for a connection already freed. Connections open and close through the proxy
 * while children are spawned without pause; every byte must arrive intact and nothing may crash.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import { nativeBinding } from '../../src/proxy/native-binding';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];
const ROUNDS = 30;

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

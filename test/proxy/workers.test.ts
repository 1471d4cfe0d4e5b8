/**
 * The data plane on worker threads (`--workers N`): real sockets through a WorkerPool of 2 native
 * workers listening on SO_REUSEPORT sockets. Smooth WRR exact over all workers together, tables
 * adopted by every worker at once, counters summed exactly, threads and listeners gone at close.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { captureLogs } from '../helpers/logs';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { Harness, silent } from '../helpers/harness';
import { tableOf } from '../helpers/table';
import { nativeBinding } from '../../src/proxy/native/binding';
import { TcpProxy } from '../../src/proxy/proxy';
import { createDataPlane, WorkerPool } from '../../src/proxy/workers';
import type { RoutingTable } from '../../src/model/types';

const h = new Harness();
afterEach(() => h.cleanup());
const native = nativeBinding() !== null ? test : test.skip;

function pool(workers = 2): WorkerPool {
  const p = new WorkerPool({ logger: silent, workers });
  h.defer(() => p.close(1000));
  return p;
}

/** `n` connections one after another, each with its own source port: the reply's first word. */
async function replies(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await connectAndSend(port, `req${i}`)).split(' ')[0]!);
  return out;
}

const split = (port: number, v1: number, v2: number): RoutingTable => tableOf({ listeners: [{ port, destinations: [
  { subset: 'v1', weight: 80, endpoints: [{ port: v1 }] }, { subset: 'v2', weight: 20, endpoints: [{ port: v2 }] },
] }] });

native('two workers serve one listener; 80/20 is exactly one one two one one, one one one two one, over both', async () => {
  const [v1, v2] = [await h.echo('one'), await h.echo('two')];
  const p = pool();
  const port = await freePort();
  await p.swap(split(port, v1, v2));
  const got = await replies(port, 100);
  for (let i = 0; i < 100; i += 10) expect(got.slice(i, i + 10)).toEqual(['one', 'one', 'two', 'one', 'one', 'one', 'one', 'two', 'one', 'one']);
  await p.refresh();
  const per = p.acceptedPerWorker();
  // The kernel spread them (SO_REUSEPORT hashes the 4-tuple): both workers took some.
  expect(per.every((n) => n > 0)).toBe(true);
  expect(per.reduce((a, b) => a + b, 0)).toBe(100);
});

native('a swap while connections arrive: no worker serves the new table before every worker has it, and all serve it after', async () => {
  const [one, two] = [await h.echo('one'), await h.echo('two')];
  const port = await freePort();
  const only = (to: number) => tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: to }] }] }] });
  let inWindow: string[] | null = null;
  let flipping = false;
  const p = new WorkerPool({ logger: silent, workers: 2, beforeFlip: async () => {
    // Every worker has prepared the new table; until the flip, every new connection sees the old one.
    if (flipping) inWindow = await replies(port, 40);
  } });
  h.defer(() => p.close(1000));
  await p.swap(only(one));
  flipping = true;
  const seen: string[] = [];
  let swapped = false;
  const swap = p.swap(only(two)).then(() => (swapped = true));
  while (!swapped) seen.push(...(await replies(port, 1)));
  await swap;
  const after = await replies(port, 40);
  expect(inWindow).toEqual(Array(40).fill('one'));
  expect(after).toEqual(Array(40).fill('two'));
  const firstNew = seen.indexOf('two');
  if (firstNew >= 0) expect(seen.slice(firstNew).every((x) => x === 'two')).toBe(true);
  await p.refresh();
  expect(p.acceptedPerWorker().every((n) => n > 0)).toBe(true);
});

native('a swap one worker cannot bind is rejected everywhere: the old table keeps serving on every worker', async () => {
  const [one, two] = [await h.echo('one'), await h.echo('two')];
  const p = pool();
  const port = await freePort();
  const blocker = await h.server(() => undefined);
  const first = tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: one }] }] }] });
  await p.swap(first);
  const next = tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: two }] }] }, { port: blocker, destinations: [{ endpoints: [{ port: two }] }] }] });
  await expect(p.swap(next)).rejects.toMatchObject({ port: blocker });
  expect(p.table).toBe(first);
  expect(p.listeners().map((l) => l.port)).toEqual([port]);
  const got = await replies(port, 40);
  expect(got.every((x) => x === 'one')).toBe(true);
  await p.refresh();
  expect(p.acceptedPerWorker().every((n) => n > 0)).toBe(true);
});

native('counters are the exact sum over workers: accepted, opened, closed and bytes equal the connections made', async () => {
  const [v1, v2] = [await h.echo('one'), await h.echo('two')];
  const p = pool();
  const port = await freePort();
  await p.swap(split(port, v1, v2));
  await Promise.all(Array.from({ length: 5 }, () => replies(port, 10)));
  await waitFor(() => p.counters().accepted === 50 && p.counters().active === 0, 10_000, 'every connection counted closed');
  const c = p.counters();
  expect(c.accepted).toBe(50);
  const d = new Map(c.destinations.map((x) => [x.version, x]));
  expect(d.get('v1')).toMatchObject({ opened: 40, closed: 40, failed: 0 });
  expect(d.get('v2')).toMatchObject({ opened: 10, closed: 10, failed: 0 });
  // `req0\n` … `req9\n` from each of 5 clients.
  expect(c.destinations.reduce((n, x) => n + x.bytesReceived, 0)).toBe(5 * 10 * 5);
  const s = p.snapshot();
  expect(s.listeners).toHaveLength(1);
  expect(s.listeners[0]!.route.destinations.map((x) => x.opened)).toEqual([40, 10]);
  expect(s.listeners[0]!.route.observedConnections).toBe(50);
  expect(s.listeners[0]!.route.destinations.map((x) => x.observedPercent)).toEqual([80, 20]);
});

native('half-close both ways through a worker: the backend ends first, the client keeps writing, then ends', async () => {
  let got = '';
  const backend = await h.server((s) => {
    s.end('greeting\n');
    s.on('data', (d: Buffer) => (got += d.toString()));
  }, { allowHalfOpen: true });
  const p = pool();
  const port = await freePort();
  await p.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: backend }] }] }] }));
  for (let i = 0; i < 4; i++) {
    got = '';
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    h.defer(async () => void s.destroy());
    s.on('error', () => undefined);
    let received = '';
    await new Promise<void>((resolve) => {
      s.on('data', (d: Buffer) => (received += d.toString()));
      s.on('end', () => resolve());
    });
    expect(received).toBe('greeting\n');
    s.end('after the backend ended\n');
    await waitFor(() => got === 'after the backend ended\n', 5000, 'late bytes at the backend');
  }
  await waitFor(() => p.counters().active === 0 && p.counters().accepted === 4, 10_000, 'both legs closed');
});

native('backpressure through a worker: a backend that stops reading stops the client; every byte arrives once it reads again', async () => {
  const total = 64 << 20;
  let paused: net.Socket | null = null;
  let bytes = 0;
  const got = createHash('sha256');
  const backend = await h.server((s) => {
    paused = s;
    s.pause();
    s.on('data', (d: Buffer) => {
      got.update(d);
      bytes += d.length;
    });
  });
  const p = pool();
  const port = await freePort();
  await p.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: backend }] }] }] }));
  const data = Buffer.alloc(total);
  for (let i = 0; i < total; i += 4096) data.writeUInt32LE(i, i);
  const s = net.connect({ port, host: '127.0.0.1' });
  h.defer(async () => void s.destroy());
  s.on('error', () => undefined);
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  s.write(data);
  // Wait until what the kernel took from the client stops growing: the proxy stopped reading.
  let last = -1;
  let still = 0;
  await waitFor(() => {
    const flushed = s.bytesWritten - s.writableLength;
    still = flushed === last ? still + 1 : 0;
    last = flushed;
    return still >= 50 && paused !== null;
  }, 30_000, 'the client stalled');
  expect(last).toBeLessThan(total);
  expect(bytes).toBe(0);
  paused!.resume();
  await waitFor(() => bytes === total, 30_000, () => `all bytes at the backend (${bytes} of ${total})`);
  expect(got.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
});

native('close() drains every worker and ends every thread: the listener refuses, nothing is left running', async () => {
  const one = await h.echo('one');
  const p = new WorkerPool({ logger: silent, workers: 2 });
  const port = await freePort();
  await p.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: one }] }] }] }));
  const held = await h.client(port);
  expect(await held.send('hi')).toBe('one hi');
  let closed = false;
  const closing = p.close(5000).then(() => (closed = true));
  // Draining: the open connection still answers and close() waits for it.
  expect(await held.send('again')).toBe('one again');
  expect(closed).toBe(false);
  await held.close();
  await closing;
  expect(p.workers).toBe(0);
  await expect(connectAndSend(port, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  await expect(p.swap(tableOf({ listeners: [] }))).rejects.toThrow(/closed/);
});

native('a killed worker is logged and replaced; SWRR goes on exactly over the survivor and the replacement', async () => {
  const [v1, v2] = [await h.echo('one'), await h.echo('two')];
  const logs = captureLogs('info');
  const p = new WorkerPool({ logger: logs.log, workers: 2 });
  h.defer(() => p.close(1000));
  const port = await freePort();
  await p.swap(split(port, v1, v2));
  const before = await replies(port, 3);
  await p.terminateWorker(1);
  await waitFor(() => logs.lines.some((l) => l['msg'] === 'data-plane worker replaced'), 20_000, 'the replacement');
  expect(logs.lines.find((l) => l['msg'] === 'data-plane worker exited: its open connections are lost; starting another')).toMatchObject({ worker: 1, level: 50 });
  expect(p.workers).toBe(2);
  const after = await replies(port, 97);
  const all = [...before, ...after];
  for (let i = 0; i < 100; i += 10) expect(all.slice(i, i + 10)).toEqual(['one', 'one', 'two', 'one', 'one', 'one', 'one', 'two', 'one', 'one']);
  await p.refresh();
  expect(p.acceptedPerWorker().every((n) => n > 0)).toBe(true);
});

test('createDataPlane: one worker is a TcpProxy on this thread, as before; more need the native path, else one thread with a warning', async () => {
  expect(createDataPlane({ logger: silent })).toBeInstanceOf(TcpProxy);
  expect(createDataPlane({ logger: silent, workers: 1 })).toBeInstanceOf(TcpProxy);
  const logs = captureLogs('warn');
  const before = process.env['TCPSHIFT_NATIVE'];
  process.env['TCPSHIFT_NATIVE'] = '0';
  try {
    const p = createDataPlane({ logger: logs.log, workers: 4 });
    expect(p).toBeInstanceOf(TcpProxy);
    expect(p.dataPath).toBe('js');
  } finally {
    if (before === undefined) delete process.env['TCPSHIFT_NATIVE'];
    else process.env['TCPSHIFT_NATIVE'] = before;
  }
  expect(logs.lines).toEqual([expect.objectContaining({ component: 'workers', workers: 4, msg: 'workers need the native data path: serving on one thread with the JavaScript one' })]);
  if (nativeBinding() !== null) {
    const p = createDataPlane({ logger: silent, workers: 2 });
    expect(p).toBeInstanceOf(WorkerPool);
    await p.close(0);
  }
});

import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { Policy } from '../../src/model/types';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { Harness, sleep } from '../helpers/harness';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

async function proxied(endpoints: number[], policy: Partial<Policy> = {}) {
  const port = await freePort();
  const proxy = h.proxy();
  await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ policy, endpoints: endpoints.map((p) => ({ port: p })) }] }] }));
  return { port, proxy };
}

const MB = 1 << 20;

/** Deterministic bytes: chunk `i` of `size` bytes. */
function chunkOf(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (i * 31 + k) & 0xff;
  return b;
}

/** Resolves with `value()` once it has not changed for `turns` consecutive event-loop turns. */
async function settled(value: () => number, turns: number): Promise<number> {
  let last = value();
  for (let same = 0; same < turns;) {
    await new Promise((r) => setImmediate(r));
    const v = value();
    if (v === last) same++;
    else [last, same] = [v, 0];
  }
  return last;
}

describe('piping', () => {
  test('half-close: a client that writes one line and shuts its write side still gets the reply', async () => {
    const { port, proxy } = await proxied([await h.echo('one')]);
    expect(await connectAndSend(port, 'Mon Jan  1 00:00:00 UTC 2024')).toBe('one Mon Jan  1 00:00:00 UTC 2024\n');
    await waitFor(() => proxy.counters().active === 0, 2000, 'connection closed');
    const d = proxy.counters().destinations[0]!;
    expect(d).toMatchObject({ opened: 1, closed: 1, active: 0, bytesReceived: 29, bytesSent: 33 });
  });

  test('the `(date; sleep 1) | nc` shape: line, pause, shutdown; reply arrives before the shutdown', async () => {
    const { port } = await proxied([await h.echo('one')]);
    const c = await h.client(port);
    expect(await c.send('date')).toBe('one date');
    await sleep(50);
    c.socket.end();
    await c.closed;
  });

  test('upstream half-close is passed on: the client may keep writing after the backend ended', async () => {
    // backend: says hello and ends its side at once, then counts what it still receives
    let received = 0;
    const backend = await h.server((s) => {
      s.end('bye\n');
      s.on('data', (d: Buffer) => (received += d.length));
    });
    const { port } = await proxied([backend]);
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    h.defer(async () => void s.destroy());
    s.on('error', () => undefined);
    const got = await new Promise<string>((resolve) => {
      let data = '';
      s.on('data', (d: Buffer) => (data += d.toString()));
      s.on('end', () => resolve(data));
    });
    expect(got).toBe('bye\n');
    s.end('late data\n');
    await waitFor(() => received === 10, 2000, 'late data at the backend');
  });

  test('a failed connect falls over to a live endpoint of the same subset', async () => {
    const dead = await freePort();
    const live = await h.echo('one');
    const { port, proxy } = await proxied([dead, live]);
    for (let i = 0; i < 4; i++) expect(await connectAndSend(port, `r${i}`)).toBe(`one r${i}\n`);
    const c = proxy.counters();
    expect(c.endpoints.find((e) => e.key === `127.0.0.1:${dead}`)?.connectFailures).toBeGreaterThanOrEqual(1);
    expect(c.endpoints.find((e) => e.key === `127.0.0.1:${live}`)?.opened).toBe(4);
    expect(c.destinations[0]).toMatchObject({ opened: 4, failed: 0 });
  });

  test('every endpoint dead: the client is closed, counted as failed, attempts bounded', async () => {
    const dead = [await freePort(), await freePort(), await freePort(), await freePort()];
    const { port, proxy } = await proxied(dead, { loadBalancer: 'ROUND_ROBIN' });
    expect(await connectAndSend(port, 'x')).toBe('');
    await waitFor(() => proxy.counters().active === 0, 2000, 'client closed');
    const d = proxy.counters().destinations[0]!;
    expect(d).toMatchObject({ failed: 1, connectFailures: 3, opened: 0, active: 0 });
    expect(proxy.snapshot().listeners[0]!.route.destinations[0]!.endpoints.map((e) => e.active)).toEqual([0, 0, 0, 0]);
  });

  test('outlier detection ejects an endpoint after consecutive connect failures', async () => {
    const dead = await freePort();
    const live = await h.echo('one');
    const outlierDetection = { consecutiveErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 60_000, maxEjectionPercent: 100 };
    const { port, proxy } = await proxied([dead, live], { loadBalancer: 'ROUND_ROBIN', outlierDetection });
    for (let i = 0; i < 6; i++) expect(await connectAndSend(port, 'x')).toBe('one x\n');
    const deadCounters = proxy.counters().endpoints.find((e) => e.key === `127.0.0.1:${dead}`)!;
    expect(deadCounters).toMatchObject({ connectFailures: 1, ejections: 1, ejected: true });
  });

  test('idle timeout closes both legs', async () => {
    let backendClosed = false;
    const backend = await h.server((s) => {
      s.on('close', () => (backendClosed = true));
      s.on('data', (d: Buffer) => s.write(d));
    });
    const { port, proxy } = await proxied([backend], { idleTimeoutMs: 150 });
    const c = await h.client(port);
    const start = Date.now();
    expect(await c.send('ping')).toBe('ping');
    await c.closed;
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    await waitFor(() => backendClosed && proxy.counters().active === 0, 2000, 'backend leg closed');
  });

  test('activity keeps an idle timeout from firing', async () => {
    const { port } = await proxied([await h.echo('one')], { idleTimeoutMs: 300 });
    const c = await h.client(port);
    for (let i = 0; i < 6; i++) {
      expect(await c.send(`tick${i}`)).toBe(`one tick${i}`);
      await sleep(100);
    }
  });

  test('backpressure: 20 MB to a paused, then slow reader arrives exact, and the proxy does not buffer it', async () => {
    const total = 20 * MB;
    const size = 64 * 1024;
    let handed = 0;
    const sent = createHash('sha256');
    const backend = await h.server((s) => {
      let i = 0;
      const pump = (): void => {
        while (handed < total) {
          const chunk = chunkOf(i++, size);
          sent.update(chunk);
          handed += size;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    const { port, proxy } = await proxied([backend]);
    const s = net.connect({ port, host: '127.0.0.1' });
    h.defer(async () => void s.destroy());
    s.pause();
    // Paused reader: the backend is held back once the socket buffers are full (without backpressure
    // the proxy would read everything into memory and the backend would hand over all 20 MB). Wait
    // until nothing moves for 200 event-loop turns (counted, not timed): where it stops is the proof.
    const stalled = await settled(() => handed, 200);
    expect(stalled).toBeLessThan(total);
    const got = createHash('sha256');
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      s.on('data', (d: Buffer) => {
        got.update(d);
        bytes += d.length;
        s.pause();
        setImmediate(() => s.resume());
      });
      s.on('end', resolve);
      s.on('error', reject);
      s.resume();
    });
    expect(bytes).toBe(total);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    await waitFor(() => proxy.counters().active === 0, 2000, 'connection closed');
    expect(proxy.counters().destinations[0]).toMatchObject({ bytesSent: total, bytesReceived: 0 });
  });

  test('20 MB upstream to a slow backend, then half-close: the backend counts every byte and answers', async () => {
    const total = 20 * MB;
    const backend = await h.server((s) => {
      const hash = createHash('sha256');
      let n = 0;
      s.on('data', (d: Buffer) => {
        hash.update(d);
        n += d.length;
        s.pause();
        setImmediate(() => s.resume());
      });
      s.on('end', () => s.end(`${n} ${hash.digest('hex')}\n`));
    }, { allowHalfOpen: true });
    const { port } = await proxied([backend]);
    const expected = createHash('sha256');
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      let data = '';
      s.on('data', (d: Buffer) => (data += d.toString()));
      s.on('end', () => { s.destroy(); resolve(data); });
      s.on('error', reject);
      let i = 0;
      const pump = (): void => {
        while (i * 64 * 1024 < total) {
          const chunk = chunkOf(i++, 64 * 1024);
          expected.update(chunk);
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end();
      };
      s.on('connect', pump);
    });
    expect(reply).toBe(`${total} ${expected.digest('hex')}\n`);
  });

  test('a client reset does not crash the proxy; the backend leg is closed', async () => {
    let backendClosed = 0;
    const backend = await h.server((s) => {
      s.on('close', () => backendClosed++);
      s.on('data', (d: Buffer) => s.write(d));
    });
    const { port, proxy } = await proxied([backend]);
    const c = await h.client(port);
    expect(await c.send('a')).toBe('a');
    c.socket.resetAndDestroy();
    await waitFor(() => backendClosed === 1 && proxy.counters().active === 0, 2000, 'both legs closed');
    // reset while the proxy is still dialling
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    s.on('connect', () => s.resetAndDestroy());
    await waitFor(() => proxy.counters().accepted === 2 && proxy.counters().active === 0, 2000, 'second connection gone');
    expect(await connectAndSend(port, 'after', { halfClose: false })).toBe('after\n');
  });

  test('a backend reset closes the client; the proxy keeps serving', async () => {
    const backend = await h.server((s) => s.on('data', () => s.resetAndDestroy()));
    const echo = await h.echo('one');
    const { port, proxy } = await proxied([backend]);
    const c = await h.client(port);
    await expect(c.send('boom')).rejects.toThrow();
    await c.closed;
    await waitFor(() => proxy.counters().active === 0, 2000, 'closed');
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: echo }] }] }] }));
    expect(await connectAndSend(port, 'fine')).toBe('one fine\n');
  });
});

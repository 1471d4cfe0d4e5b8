/**
 * The two data paths — the native addon (when built) and Node sockets — side by side: which one a
 * proxy uses, and the behaviours both must share (echo and byte counts, half-close both ways,
 * full-duplex bulk through splice-sized transfers with exact bytes, a reset while dialling, many
 * connections at once, drain on close). The rest of test/proxy runs on the default path; run it with
 * TCPSHIFT_NATIVE=0 to cover the JavaScript one everywhere (`npm run test:js-path`).
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { Policy } from '../../src/model/types';
import { nativeBinding } from '../../src/proxy/native/binding';
import { hangingBackend } from '../helpers/backends';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

const native = nativeBinding() !== null;
const paths: ('native' | 'js')[] = native ? ['native', 'js'] : ['js'];

describe('choosing the data path', () => {
  test('`js` always gives Node sockets', () => {
    expect(h.proxy({ dataPath: 'js' }).dataPath).toBe('js');
  });

  test('`auto` takes the native path exactly when the addon loaded', () => {
    expect(h.proxy().dataPath).toBe(native ? 'native' : 'js');
  });

  test('`native` gives the addon, or throws saying it is not available', () => {
    if (native) expect(h.proxy({ dataPath: 'native' }).dataPath).toBe('native');
    else expect(() => h.proxy({ dataPath: 'native' })).toThrow(/native data path is not available/);
  });
});

/** Deterministic bytes: chunk `i` of `size`. */
function chunkOf(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (i * 131 + k * 7) & 0xff;
  return b;
}

describe.each(paths)('%s data path', (dataPath) => {
  async function proxied(endpoints: number[], policy: Partial<Policy> = {}) {
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ policy, endpoints: endpoints.map((p) => ({ port: p })) }] }] }));
    expect(proxy.dataPath).toBe(dataPath);
    return { port, proxy };
  }

  test('echo through it, with the bytes counted on both sides', async () => {
    const { port, proxy } = await proxied([await h.echo('one')]);
    expect(await connectAndSend(port, 'hello')).toBe('one hello\n');
    await waitFor(() => proxy.counters().active === 0, 2000, 'closed');
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 1, closed: 1, bytesReceived: 6, bytesSent: 10, failed: 0 });
  });

  test('half-close both ways: the backend ends first, the client keeps writing, then ends', async () => {
    let got = '';
    const backend = await h.server((s) => {
      s.end('greeting\n');
      s.on('data', (d: Buffer) => (got += d.toString()));
    }, { allowHalfOpen: true });
    const { port, proxy } = await proxied([backend]);
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
    await waitFor(() => got === 'after the backend ended\n', 2000, 'late bytes at the backend');
    await waitFor(() => proxy.counters().active === 0, 2000, 'both legs closed');
  });

  test('4 MB each way at once (past the splice threshold), exact, through a backend that echoes', async () => {
    const backend = await h.server((s) => s.pipe(s), { allowHalfOpen: true });
    const { port, proxy } = await proxied([backend]);
    const total = 4 << 20;
    const size = 48 * 1024;
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      s.on('error', reject);
      s.on('data', (d: Buffer) => {
        got.update(d);
        bytes += d.length;
      });
      s.on('end', () => {
        s.destroy();
        resolve();
      });
      let i = 0;
      let written = 0;
      const pump = (): void => {
        while (written < total) {
          const c = chunkOf(i++, Math.min(size, total - written));
          sent.update(c);
          written += c.length;
          if (!s.write(c)) return void s.once('drain', pump);
        }
        s.end();
      };
      s.on('connect', pump);
    });
    expect(bytes).toBe(total);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    await waitFor(() => proxy.counters().active === 0, 2000, 'closed');
    expect(proxy.counters().destinations[0]).toMatchObject({ bytesReceived: total, bytesSent: total });
  });

  test('a client that resets while its endpoint is being dialled is released; the endpoint is not blamed', async () => {
    const hanging = await hangingBackend();
    h.defer(hanging.close);
    const { port, proxy } = await proxied([hanging.port], { connectTimeoutMs: 5000 });
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    await new Promise<void>((resolve) => s.on('connect', () => resolve()));
    await waitFor(() => proxy.counters().active === 1, 2000, 'dialling');
    s.resetAndDestroy();
    await waitFor(() => proxy.counters().active === 0, 2000, 'released');
    const ep = proxy.counters().endpoints[0]!;
    expect(ep).toMatchObject({ active: 0, connectFailures: 0, opened: 0 });
  });

  test('200 connections at once all get their answer; every one is released', async () => {
    const { port, proxy } = await proxied([await h.echo('one')]);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => connectAndSend(port, `n${i}`)));
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => `one n${i}\n`));
    await waitFor(() => proxy.counters().active === 0, 3000, 'all released');
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 200, closed: 200 });
  });

  test('close(): the listener refuses at once, an open connection drains, then close resolves', async () => {
    const { port, proxy } = await proxied([await h.echo('one')]);
    const c = await h.client(port);
    expect(await c.send('a')).toBe('one a');
    let closed = false;
    const closing = proxy.close(5000).then(() => (closed = true));
    await waitFor(() => proxy.listeners().length === 0, 2000, 'listeners closed');
    expect(await connectAndSend(port, 'x').catch((err: NodeJS.ErrnoException) => err.code)).toBe('ECONNREFUSED');
    expect(await c.send('b')).toBe('one b');
    expect(closed).toBe(false);
    c.socket.end();
    await closing;
    expect(proxy.counters().active).toBe(0);
  });
});

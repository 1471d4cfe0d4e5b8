/**
 * A reset is passed on as a reset, both ways and on both data paths (as Envoy and HAProxy do): a
 * client must be able to tell a stream the backend cut short from one it completed. A backend
 * reset counts the connection as `failed`; a client reset does not blame the backend.
 */
import * as net from 'node:net';
import { nativeBinding, socketOptions } from '../../src/proxy/native/binding';
import { Harness } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

const binding = socketOptions();
const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

/**
 * How a socket ended: the error code it got, or 'end' for a clean FIN. libuv reports a reset that
 * arrives with data as an end, so on 'end' the socket's pending error (SO_ERROR, through the addon)
 * tells a reset apart.
 */
function ending(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.on('end', () => {
      const fd = (s as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
      const errno = binding !== null && fd !== undefined && fd >= 0 ? binding.pendingError(fd) : 0;
      resolve(errno === 0 ? 'end' : binding!.errorName(-errno));
    });
    s.on('close', () => resolve('close'));
    s.resume();
  });
}

describe.each(paths)('%s data path', (dataPath) => {
  async function proxied(backend: number) {
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: backend }] }] }] }));
    return { port, proxy };
  }

  // Without the addon, the JavaScript path cannot tell a reset that follows data from an end (libuv
  // reports both as an end), so the bytes-then-reset case needs the addon; a bare reset does not.
  const cases: [string, boolean][] = [['resets at once', false]];
  if (binding !== null) cases.push(['writes some bytes then resets', true]);
  test.each(cases)('a backend that %s: the client sees ECONNRESET, counted as failed', async (_name, partial) => {
    const backend = await h.server((s) => {
      s.once('data', () => {
        if (partial) s.write('partial');
        setImmediate(() => s.resetAndDestroy());
      });
    });
    const { port, proxy } = await proxied(backend);
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    h.defer(async () => void c.destroy());
    const ended = ending(c);
    c.write('go\n');
    expect(await ended).toBe('ECONNRESET');
    await waitFor(() => proxy.counters().active === 0, 2000, 'released');
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 1, closed: 1, failed: 1 });
  });

  test('a client that resets: the backend sees ECONNRESET; the backend is not blamed', async () => {
    let backendEnd: Promise<string> | null = null;
    const backend = await h.server((s) => {
      backendEnd = ending(s);
      s.on('data', (d: Buffer) => s.write(d));
    }, { allowHalfOpen: true });
    const { port, proxy } = await proxied(backend);
    const c = net.connect({ port, host: '127.0.0.1' });
    c.on('error', () => undefined);
    h.defer(async () => void c.destroy());
    await new Promise<void>((resolve) => c.once('data', () => resolve()).write('ping\n'));
    c.resetAndDestroy();
    await waitFor(() => backendEnd !== null, 2000, 'backend connection');
    expect(await backendEnd!).toBe('ECONNRESET');
    await waitFor(() => proxy.counters().active === 0, 2000, 'released');
    expect(proxy.counters().destinations[0]).toMatchObject({ opened: 1, closed: 1, failed: 0 });
    expect(proxy.counters().endpoints[0]).toMatchObject({ connectFailures: 0, ejections: 0 });
  });

  test('a clean end is still a FIN both ways (not turned into a reset)', async () => {
    const backend = await h.server((s) => s.once('data', () => s.end('bye\n')));
    const { port, proxy } = await proxied(backend);
    const c = net.connect({ port, host: '127.0.0.1' });
    h.defer(async () => void c.destroy());
    const ended = ending(c);
    c.write('hi\n');
    expect(await ended).toBe('end');
    await waitFor(() => proxy.counters().active === 0, 2000, 'released');
    expect(proxy.counters().destinations[0]).toMatchObject({ closed: 1, failed: 0 });
  });
});

import type { Policy } from '../../src/model/types';
import { connectAndSend, connectError, freePort, LineClient, waitFor } from '../helpers/net';
import { Harness, sleep } from '../helpers/harness';
import { captureLogs } from '../helpers/logs';
import { tableOf } from '../helpers/table';
import type { TcpProxy } from '../../src/proxy/proxy';

const h = new Harness();
afterEach(() => h.cleanup());

async function serve(proxy: TcpProxy, backend: number, policy: Partial<Policy> = {}): Promise<number> {
  const port = await freePort();
  await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ policy, endpoints: [{ port: backend }] }] }] }));
  return port;
}

/** Opens a client and tells whether the proxy served it (true) or closed it at once (false). */
async function served(port: number): Promise<{ ok: boolean; client: LineClient }> {
  const client = await h.client(port);
  try {
    await client.send('hi', 2000);
    return { ok: true, client };
  } catch {
    return { ok: false, client };
  }
}

describe('limits', () => {
  test('global maxConnections: extra connections are closed at once and counted', async () => {
    const proxy = h.proxy({ maxConnections: 2 });
    const port = await serve(proxy, await h.echo('one'));
    const a = await served(port);
    const b = await served(port);
    expect([a.ok, b.ok]).toEqual([true, true]);
    const c = await served(port);
    expect(c.ok).toBe(false);
    await c.client.closed;
    expect(proxy.counters()).toMatchObject({ active: 2, rejected: 1, accepted: 3 });
    await a.client.close();
    await waitFor(() => proxy.counters().active === 1, 2000, 'a released');
    expect((await served(port)).ok).toBe(true);
  });

  test('destination maxConnections (DestinationRule connectionPool) is per destination', async () => {
    const proxy = h.proxy();
    const port = await serve(proxy, await h.echo('one'), { maxConnections: 1 });
    const a = await served(port);
    expect(a.ok).toBe(true);
    expect((await served(port)).ok).toBe(false);
    expect(proxy.counters().destinations[0]).toMatchObject({ active: 1, rejected: 1 });
    await a.client.close();
    await waitFor(() => proxy.counters().active === 0, 2000, 'a released');
    expect((await served(port)).ok).toBe(true);
  });

  test('constructor rejects a bad maxConnections', () => {
    expect(() => h.proxy({ maxConnections: -1 })).toThrow(RangeError);
    expect(() => h.proxy({ maxConnections: 1.5 })).toThrow(RangeError);
  });
});

describe('close()', () => {
  test('stops accepting, lets open connections finish, then resolves', async () => {
    const proxy = h.proxy();
    const port = await serve(proxy, await h.echo('one'));
    const c = await h.client(port);
    expect(await c.send('a')).toBe('one a');
    let closed = false;
    const closing = proxy.close(10_000).then(() => (closed = true));
    await sleep(100);
    expect(closed).toBe(false);
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(proxy.listeners()).toEqual([]);
    expect(await c.send('still')).toBe('one still');
    c.socket.end();
    await closing;
    expect(closed).toBe(true);
    expect(proxy.counters().active).toBe(0);
  });

  test('destroys what remains after the drain timeout', async () => {
    const proxy = h.proxy();
    const port = await serve(proxy, await h.echo('one'));
    const c = await h.client(port);
    expect(await c.send('a')).toBe('one a');
    const start = Date.now();
    await proxy.close(150);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    await c.closed;
    expect(proxy.counters().active).toBe(0);
  });

  test('close(0) destroys open connections at once', async () => {
    const proxy = h.proxy();
    const port = await serve(proxy, await h.echo('one'));
    const c = await h.client(port);
    expect(await c.send('a')).toBe('one a');
    await proxy.close(0);
    await c.closed;
  });

  test('waits for connections on listeners removed by an earlier swap', async () => {
    const { log, lines } = captureLogs('info');
    const proxy = h.proxy({ logger: log });
    const echo = await h.echo('one');
    const port = await serve(proxy, echo);
    const c = await h.client(port);
    expect(await c.send('a')).toBe('one a');
    await proxy.swap(tableOf({ listeners: [] }));
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(await c.send('b')).toBe('one b'); // the removed listener's connection lives on
    let closed = false;
    const closing = proxy.close(10_000).then(() => (closed = true));
    await waitFor(() => lines.some((l) => l.msg === 'proxy draining'), 5000, 'draining');
    // A round trip once the drain began: the connection still works and close() is still waiting.
    expect(await c.send('c')).toBe('one c');
    expect(closed).toBe(false);
    c.socket.end();
    await closing;
    await c.closed;
    expect(proxy.counters().active).toBe(0);
  });

  test('is idempotent: every call returns the one shutdown, which runs once', async () => {
    const { log, lines } = captureLogs('info');
    const proxy = h.proxy({ logger: log });
    await serve(proxy, await h.echo('one'));
    const first = proxy.close();
    expect(proxy.close()).toBe(first);
    await Promise.all([first, proxy.close()]);
    await proxy.close();
    expect(lines.filter((l) => l.msg === 'proxy draining')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'proxy closed')).toHaveLength(1);
  });
});

describe('snapshot()', () => {
  test('listeners → route → destinations with weights, percents, active counts and endpoints', async () => {
    const v1 = await h.echo('one');
    const v2 = await h.echo('two');
    const port = await freePort();
    const proxy = h.proxy();
    await proxy.swap(tableOf({
      listeners: [{
        port,
        destinations: [
          { subset: 'v1', weight: 80, endpoints: [{ port: v1 }] },
          { subset: 'v2', weight: 20, endpoints: [{ port: v2 }] },
        ],
      }],
    }));
    const c = await h.client(port);
    expect(await c.send('x')).toBe('one x');
    expect(await connectAndSend(port, 'y')).toBe('one y\n');
    await waitFor(() => proxy.counters().active === 1, 2000, 'short connection closed');
    const snap = proxy.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.activeConnections).toBe(1);
    expect(snap.listeners).toHaveLength(1);
    const l = snap.listeners[0]!;
    expect(l).toMatchObject({ key: `127.0.0.1:${port}`, address: '127.0.0.1', port, boundPort: port, gateway: 'default/tcp-echo-gateway' });
    expect(l.route.virtualService).toBe('default/tcp-echo');
    expect(l.route.destinations.map((d) => [d.subset, d.weight, d.percent, d.active, d.opened, d.closed])).toEqual([
      ['v1', 80, 80, 1, 2, 1],
      ['v2', 20, 20, 0, 0, 0],
    ]);
    expect(l.route.destinations[0]!.endpoints).toEqual([
      { key: `127.0.0.1:${v1}`, address: '127.0.0.1', port: v1, weight: 1, active: 1, ejected: false },
    ]);
  });

  test('counters survive a swap and keep the active count of a kept connection', async () => {
    const v1 = await h.echo('one');
    const proxy = h.proxy();
    const port = await serve(proxy, v1);
    const c = await h.client(port);
    expect(await c.send('x')).toBe('one x');
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ weight: 5, endpoints: [{ port: v1 }] }] }] }));
    expect(proxy.snapshot().listeners[0]!.route.destinations[0]).toMatchObject({ weight: 5, active: 1, opened: 1 });
    await c.close();
    await waitFor(() => proxy.counters().active === 0, 2000, 'closed');
    expect(proxy.counters().destinations[0]).toMatchObject({ key: 'tcp-echo|v1|9000', opened: 1, closed: 1, bytesReceived: 2, bytesSent: 6 });
  });
});

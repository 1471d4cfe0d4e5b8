import { ApplyError } from '../../src/errors';
import { Reasons } from '../../src/errors';
import { connectAndSend, connectError, freePort } from '../helpers/net';
import { Harness } from '../helpers/harness';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

async function backends(): Promise<{ v1: number; v2: number }> {
  return { v1: await h.echo('one'), v2: await h.echo('two') };
}

function split(port: number, v1: number, v2: number, w1: number, w2: number) {
  return tableOf({
    listeners: [{
      port,
      destinations: [
        { subset: 'v1', weight: w1, endpoints: [{ port: v1 }] },
        { subset: 'v2', weight: w2, endpoints: [{ port: v2 }] },
      ],
    }],
  });
}

async function replies(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await connectAndSend(port, `req${i}`)).split(' ')[0]!);
  return out;
}

describe('TcpProxy.swap', () => {
  test('all-v1, then 80/20: exactly 2 of the next 10 new connections go to v2, interleaved', async () => {
    const { v1, v2 } = await backends();
    const port = await freePort();
    const proxy = h.proxy();
    await proxy.swap(split(port, v1, v2, 100, 0));
    expect(await replies(port, 10)).toEqual(new Array(10).fill('one'));
    await proxy.swap(split(port, v1, v2, 80, 20));
    const next = await replies(port, 10);
    expect(next.filter((r) => r === 'two')).toHaveLength(2);
    expect(next).toEqual(['one', 'one', 'two', 'one', 'one', 'one', 'one', 'two', 'one', 'one']);
    expect(proxy.listeners()).toEqual([{ key: `127.0.0.1:${port}`, address: '127.0.0.1', port, boundPort: port }]);
  });

  test('3 endpoints in v1 and 1 in v2 still split 80/20', async () => {
    const ones = [await h.echo('one'), await h.echo('one'), await h.echo('one')];
    const v2 = await h.echo('two');
    const port = await freePort();
    const proxy = h.proxy();
    await proxy.swap(tableOf({
      listeners: [{
        port,
        destinations: [
          { subset: 'v1', weight: 80, endpoints: ones.map((p) => ({ port: p })) },
          { subset: 'v2', weight: 20, endpoints: [{ port: v2 }] },
        ],
      }],
    }));
    const got = await replies(port, 20);
    expect(got.filter((r) => r === 'two')).toHaveLength(4);
    // LEAST_REQUEST with rotating ties spread v1's 16 connections over its 3 endpoints
    const endpoints = proxy.counters().endpoints.filter((e) => ones.some((p) => e.key === `127.0.0.1:${p}`));
    expect(endpoints.map((e) => e.opened).sort()).toEqual([5, 5, 6]);
  });

  test('a connection opened before a swap keeps its backend after it', async () => {
    const { v1, v2 } = await backends();
    const port = await freePort();
    const proxy = h.proxy();
    await proxy.swap(split(port, v1, v2, 1, 0));
    const c = await h.client(port);
    expect(await c.send('before')).toBe('one before');
    await proxy.swap(split(port, v1, v2, 0, 1));
    expect(await connectAndSend(port, 'new')).toBe('two new\n');
    expect(await c.send('after')).toBe('one after');
  });

  test('a swap that removes the listener refuses new connections; an open one keeps working', async () => {
    const { v1 } = await backends();
    const [a, b] = [await freePort(), await freePort()];
    const proxy = h.proxy();
    const only = (port: number) => tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: v1 }] }] }] });
    await proxy.swap(only(a));
    const c = await h.client(a);
    expect(await c.send('x')).toBe('one x');
    await proxy.swap(only(b));
    expect(await connectError(a)).toBe('ECONNREFUSED');
    expect(await c.send('still')).toBe('one still');
    expect(await connectAndSend(b, 'y')).toBe('one y\n');
    expect(proxy.listeners().map((l) => l.port)).toEqual([b]);
    await proxy.swap(tableOf({ listeners: [] }));
    expect(proxy.listeners()).toEqual([]);
    expect(await connectError(b)).toBe('ECONNREFUSED');
    expect(await c.send('last')).toBe('one last');
  });

  test('a listener kept across swaps is the same socket (never rebound)', async () => {
    const { v1, v2 } = await backends();
    const port = await freePort();
    const proxy = h.proxy();
    await proxy.swap(split(port, v1, v2, 1, 0));
    const before = proxy.listeners();
    await proxy.swap(split(port, v1, v2, 1, 1));
    expect(proxy.listeners()).toEqual(before);
    expect(proxy.table.listeners[0]!.route.destinations[1]!.weight).toBe(1);
  });

  test('a new listener that cannot bind: ApplyError naming address, port and errno; the old table keeps serving', async () => {
    const { v1, v2 } = await backends();
    const [port, extra] = [await freePort(), await freePort()];
    const taken = await h.server(() => undefined);
    const proxy = h.proxy();
    const old = split(port, v1, v2, 1, 0);
    await proxy.swap(old);
    const before = proxy.listeners();
    const bad = tableOf({
      listeners: [
        { port, destinations: [{ subset: 'v2', endpoints: [{ port: v2 }] }] },
        { port: extra, destinations: [{ endpoints: [{ port: v1 }] }] },
        { port: taken, destinations: [{ endpoints: [{ port: v1 }] }] },
      ],
    });
    const err = await proxy.swap(bad).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    const applyErr = err as ApplyError;
    expect(applyErr.message).toContain(`127.0.0.1:${taken}`);
    expect(applyErr.message).toContain('EADDRINUSE');
    expect(applyErr.port).toBe(taken);
    expect(applyErr.address).toBe('127.0.0.1');
    expect(applyErr.reason).toBe(Reasons.ApplyFailed);
    expect(proxy.table).toBe(old);
    expect(proxy.listeners()).toEqual(before);
    expect(await connectAndSend(port, 'ok')).toBe('one ok\n');
    // the listener bound for the failed table was closed again
    expect(await connectError(extra)).toBe('ECONNREFUSED');
  });

  test('a table whose route cannot be served is rejected before binding anything', async () => {
    const { v1 } = await backends();
    const [port, other] = [await freePort(), await freePort()];
    const proxy = h.proxy();
    const good = tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: v1 }] }] }] });
    await proxy.swap(good);
    const zero = tableOf({ listeners: [{ port: other, destinations: [{ weight: 0, endpoints: [{ port: v1 }] }] }] });
    await expect(proxy.swap(zero)).rejects.toBeInstanceOf(ApplyError);
    const noEndpoints = tableOf({ listeners: [{ port: other, destinations: [{ weight: 1, endpoints: [] }] }] });
    await expect(proxy.swap(noEndpoints)).rejects.toBeInstanceOf(ApplyError);
    expect(proxy.table).toBe(good);
    expect(await connectError(other)).toBe('ECONNREFUSED');
  });

  test('swaps are serialized: concurrent swaps apply in call order', async () => {
    const { v1, v2 } = await backends();
    const [a, b] = [await freePort(), await freePort()];
    const proxy = h.proxy();
    const t1 = tableOf({ listeners: [{ port: a, destinations: [{ endpoints: [{ port: v1 }] }] }] });
    const t2 = tableOf({
      listeners: [
        { port: a, destinations: [{ endpoints: [{ port: v1 }] }] },
        { port: b, destinations: [{ subset: 'v2', endpoints: [{ port: v2 }] }] },
      ],
    });
    const t3 = tableOf({ listeners: [{ port: b, destinations: [{ subset: 'v2', endpoints: [{ port: v2 }] }] }] });
    await Promise.all([proxy.swap(t1), proxy.swap(t2), proxy.swap(t3)]);
    expect(proxy.table).toBe(t3);
    expect(proxy.listeners().map((l) => l.port)).toEqual([b]);
    expect(await connectAndSend(b, 'z')).toBe('two z\n');
    expect(await connectError(a)).toBe('ECONNREFUSED');
  });

  test('a failed swap does not block the next one', async () => {
    const { v1 } = await backends();
    const port = await freePort();
    const taken = await h.server(() => undefined);
    const proxy = h.proxy();
    const bad = proxy.swap(tableOf({ listeners: [{ port: taken, destinations: [{ endpoints: [{ port: v1 }] }] }] }));
    const good = proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: v1 }] }] }] }));
    await expect(bad).rejects.toBeInstanceOf(ApplyError);
    await good;
    expect(await connectAndSend(port, 'ok')).toBe('one ok\n');
  });

  test('swap after close() rejects', async () => {
    const { v1 } = await backends();
    const proxy = h.proxy();
    await proxy.close();
    const port = await freePort();
    await expect(proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: v1 }] }] }] }))).rejects.toBeInstanceOf(ApplyError);
    expect(await connectError(port)).toBe('ECONNREFUSED');
  });
});

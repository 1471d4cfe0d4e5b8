/**
 * maxConnectionDuration and sticky picks on real loopback sockets, on both data paths: expiry
 * (every byte the proxy took is flushed before the FIN), clients from 127.0.0.2–127.0.0.254
 * staying on their version as its share grows, and consistentHash.useSourceIp inside a subset.
 */
import * as net from 'node:net';
import { StickyPicker } from '../../src/balance';
import { withConnectionPolicies } from '../../src/model/connections';
import { nativeBinding } from '../../src/proxy/native/binding';
import { Harness } from '../helpers/harness';
import { Peer, versionFrom } from '../helpers/longlived';
import { captureLogs } from '../helpers/logs';
import { freePort, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());
const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];
const ADDRESSES = Array.from({ length: 253 }, (_, i) => `127.0.0.${i + 2}`);

function dest(c: ReturnType<typeof h.proxy>, version: string) {
  return c.counters().destinations.find((d) => d.version === version)!;
}

describe.each(paths)('maxConnectionDuration (%s data path)', (dataPath) => {
  test('a connection older than maxConnectionDuration is closed and counted expired; one without it stays', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const [a, b] = [await freePort(), await freePort()];
    const logs = captureLogs('warn');
    const proxy = h.proxy({ dataPath, logger: logs.log });
    await proxy.swap(tableOf({
      listeners: [
        { port: a, destinations: [{ subset: 'v1', endpoints: [{ port: v1 }], policy: { maxConnectionDurationMs: 300 } }] },
        { port: b, destinations: [{ subset: 'v2', endpoints: [{ port: v2 }] }] },
      ],
    }));
    const kept = await Peer.open(b);
    expect(await kept.send('x')).toBe('two x');
    const old = await Peer.open(a);
    h.defer(() => Promise.all([kept.close(), old.close()]).then(() => undefined));
    expect(await old.send('y')).toBe('one y');
    await old.closed;
    await waitFor(() => dest(proxy, 'v1').closed === 1);
    expect(dest(proxy, 'v1').expired).toBe(1);
    expect(dest(proxy, 'v2').expired).toBe(0);
    expect(proxy.snapshot().listeners.find((l) => l.port === a)!.route.destinations[0]!.expired).toBe(1);
    expect(await kept.send('still')).toBe('two still');
    expect(logs.lines.filter((l) => String(l.msg).includes('closes without flushing'))).toEqual([]);
  });

  test('an expired connection gets every byte the proxy had taken for it before the FIN', async () => {
    const blob = Buffer.alloc(8 << 20, 120);
    const upstream = await h.server((s) => s.write(blob));
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: upstream }], policy: { maxConnectionDurationMs: 200 } }] }] }));
    const client = net.connect({ host: '127.0.0.1', port });
    client.on('error', () => undefined);
    h.defer(async () => { client.destroy(); });
    client.pause();
    await waitFor(() => dest(proxy, 'v1').expired === 1);
    let received = 0;
    const ended = new Promise<boolean>((resolve) => {
      client.on('end', () => resolve(true));
      client.on('close', () => resolve(false));
    });
    client.on('data', (d: Buffer) => { received += d.length; });
    client.resume();
    expect(await ended).toBe(true); // a FIN, not a reset
    await waitFor(() => dest(proxy, 'v1').closed === 1);
    expect(received).toBe(dest(proxy, 'v1').bytesSent);
    expect(received).toBeGreaterThan(0);
  });

  test('a gentle close: FIN to both peers, what the client writes afterwards is dropped, a connection whose peers stay open is destroyed after the grace time', async () => {
    let upstreamGot = '';
    let upstreamEnded = false;
    const upstream = await h.server((s) => {
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        upstreamGot += d;
        s.write(`up ${d}`);
      });
      s.on('end', () => { upstreamEnded = true; }); // and stays open: allowHalfOpen
    }, { allowHalfOpen: true });
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: upstream }], policy: { maxConnectionDurationMs: 300 } }] }] }));
    const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    client.setEncoding('utf8');
    client.on('error', () => undefined);
    h.defer(async () => { client.destroy(); });
    let got = '';
    let ended = false;
    client.on('data', (d: string) => { got += d; });
    client.on('end', () => {
      ended = true;
      client.write('late\n'); // after the proxy's FIN: dropped, never reaches the upstream
    });
    client.write('first\n');
    await waitFor(() => got === 'up first\n');
    await waitFor(() => ended && upstreamEnded, 5000, 'both FINs');
    expect(dest(proxy, 'v1').expired).toBe(1);
    // Both peers keep their side open: the proxy holds the connection for the grace time, then lets go.
    expect(dest(proxy, 'v1').closed).toBe(0);
    expect(proxy.snapshot().activeConnections).toBe(1);
    await waitFor(() => dest(proxy, 'v1').closed === 1, 15_000, 'destroyed after the grace time');
    expect(proxy.snapshot().activeConnections).toBe(0);
    expect(upstreamGot).toBe('first\n');
    expect(got).toBe('up first\n');
  });
});

describe.each(paths)('stickiness sourceIP (%s data path)', (dataPath) => {
  function sticky(port: number, v1: number, v2: number, w1: number, w2: number) {
    const t = tableOf({ listeners: [{ port, destinations: [
      { subset: 'v1', weight: w1, endpoints: [{ port: v1 }] },
      { subset: 'v2', weight: w2, endpoints: [{ port: v2 }] },
    ] }] });
    return withConnectionPolicies(t, () => ({ stickiness: 'sourceIP' }));
  }

  test('253 client addresses: each lands where the hash says, and moving v2 20 → 50 % only moves clients from v1 to v2', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    const table20 = sticky(port, v1, v2, 80, 20);
    await proxy.swap(table20);
    const keys = table20.listeners[0]!.route.destinations.map((d) => d.key);
    const { addressHash } = await import('../../src/balance');
    const expected = (w: number[]) => ADDRESSES.map((a) => (new StickyPicker(keys, w).pick(addressHash(a)) === 0 ? 'one' : 'two'));
    const before: string[] = [];
    for (const a of ADDRESSES) before.push(await versionFrom(port, a));
    expect(before).toEqual(expected([80, 20]));
    // the same address again: the same version
    for (const a of ADDRESSES.slice(0, 40)) expect(await versionFrom(port, a)).toBe(before[ADDRESSES.indexOf(a)]);
    await proxy.swap(sticky(port, v1, v2, 50, 50));
    const after: string[] = [];
    for (const a of ADDRESSES) after.push(await versionFrom(port, a));
    expect(after).toEqual(expected([50, 50]));
    const back = ADDRESSES.filter((_, i) => before[i] === 'two' && after[i] === 'one');
    expect(back).toEqual([]);
    const moved = ADDRESSES.filter((_, i) => before[i] === 'one' && after[i] === 'two').length;
    const share = (xs: string[]) => (xs.filter((x) => x === 'two').length / xs.length) * 100;
    // 253 clients: the split is a sample of the hash, within a few points of the weights
    expect(Math.abs(share(before) - 20)).toBeLessThan(8);
    expect(Math.abs(share(after) - 50)).toBeLessThan(8);
    expect(moved).toBeGreaterThan(0);
    console.log(`sticky split over ${ADDRESSES.length} addresses: 80/20 → ${(100 - share(before)).toFixed(1)}/${share(before).toFixed(1)}; 50/50 → ${(100 - share(after)).toFixed(1)}/${share(after).toFixed(1)}; moved ${moved}, back 0`);
  });

  test('consistentHash.useSourceIp: one address always reaches the same endpoint of the subset; addresses spread over all', async () => {
    const eps = [await h.echo('a'), await h.echo('b'), await h.echo('c')];
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: eps.map((p) => ({ port: p })), policy: { loadBalancer: 'SOURCE_IP_HASH' } }] }] }));
    const first = new Map<string, string>();
    for (const a of ADDRESSES.slice(0, 60)) first.set(a, await versionFrom(port, a));
    for (const a of ADDRESSES.slice(0, 60)) expect(await versionFrom(port, a)).toBe(first.get(a));
    expect(new Set(first.values())).toEqual(new Set(['a', 'b', 'c']));
  });

  test('an IPv6 client address is known too: every connection from ::1 reaches the same endpoint, nothing warned', async () => {
    const eps = [await h.echo('a'), await h.echo('b'), await h.echo('c')];
    const port = await freePort('::1');
    const logs = captureLogs('warn');
    const proxy = h.proxy({ dataPath, logger: logs.log });
    await proxy.swap(tableOf({ listeners: [{ address: '::1', port, destinations: [{ endpoints: eps.map((p) => ({ port: p })), policy: { loadBalancer: 'SOURCE_IP_HASH' } }] }] }));
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const reply = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: '::1', port });
        s.setEncoding('utf8');
        s.on('error', reject);
        s.on('data', (d: string) => { s.destroy(); resolve(d.split(' ')[0]!); });
        s.write('hi\n');
      });
      seen.add(reply);
    }
    expect(seen.size).toBe(1);
    expect(logs.lines.filter((l) => String(l.msg).startsWith('client address unknown'))).toEqual([]);
  });

  test('failover: with the hashed endpoint down, the client reaches the next one by the same hash', async () => {
    const live = await h.echo('live');
    const dead = await freePort();
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: dead }, { port: live }], policy: { loadBalancer: 'SOURCE_IP_HASH' } }] }] }));
    for (const a of ADDRESSES.slice(0, 20)) expect(await versionFrom(port, a)).toBe('live');
  });
});

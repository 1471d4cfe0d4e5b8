/**
 * Rebalancing on real loopback sockets, on both data paths: convergence of the active split, the idle
 * rule, the close-rate cap, drainAfter for a destination that left the route, and the guarantee
 * that without `rebalance` a weight change touches no open connection.
 */
import type { ConnectionPolicy, RoutingTable } from '../../src/model/types';
import { withConnectionPolicies } from '../../src/model/connections';
import type { TcpProxy } from '../../src/proxy/proxy';
import { addressHash, StickyPicker } from '../../src/balance';
import { Harness } from '../helpers/harness';
import { Holder } from '../helpers/longlived';
import { captureLogs } from '../helpers/logs';
import { freePort, waitFor } from '../helpers/net';
import { tableOf } from '../helpers/table';
import { nativeBinding } from '../../src/proxy/native/binding';

const h = new Harness();
afterEach(() => h.cleanup());

interface Split { port: number; w1: number; w2: number; policy?: Partial<ConnectionPolicy> }

/** Listeners each routing v1/v2 by its weights; a weight of null leaves that destination out of the route. */
function table(v1: number, v2: number, splits: (Omit<Split, 'w1' | 'w2'> & { w1: number | null; w2: number | null })[]): RoutingTable {
  const t = tableOf({ listeners: splits.map((s) => ({ port: s.port, destinations: [
    ...(s.w1 === null ? [] : [{ subset: 'v1', weight: s.w1, endpoints: [{ port: v1 }] }]),
    ...(s.w2 === null ? [] : [{ subset: 'v2', weight: s.w2, endpoints: [{ port: v2 }] }]),
  ] })) });
  return withConnectionPolicies(t, (l) => splits.find((s) => s.port === l.port)?.policy);
}

async function holders(n: number, port: number, opts: ConstructorParameters<typeof Holder>[1] = {}): Promise<Holder[]> {
  const out: Holder[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Holder(port, opts);
    h.defer(() => c.stop());
    await c.start();
    out.push(c);
  }
  return out;
}

function route(proxy: TcpProxy, port: number) {
  return proxy.snapshot().listeners.find((l) => l.port === port)!.route;
}

function active(proxy: TcpProxy, port: number, version: string): number {
  const r = route(proxy, port);
  return r.destinations.find((d) => d.version === version)?.listenerActive ?? r.draining?.find((d) => d.version === version)?.listenerActive ?? 0;
}

function rebalanced(proxy: TcpProxy, version: string) {
  return proxy.counters().destinations.find((d) => d.version === version)!.rebalanced;
}

const ON: Partial<ConnectionPolicy> = { rebalance: true, maxClosesPerSecond: 100, closeWhenIdleForMs: 100 };
const paths: ('native' | 'js')[] = nativeBinding() !== null ? ['native', 'js'] : ['js'];

describe.each(paths)('%s data path', (dataPath) => {

  test('100/0 → 50/50: with rebalance the active split converges; without it no open connection is touched', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const [a, b] = [await freePort(), await freePort()];
    const proxy = h.proxy({ dataPath });
    await proxy.swap(table(v1, v2, [{ port: a, w1: 100, w2: 0, policy: ON }, { port: b, w1: 100, w2: 0 }]));
    const onA = await holders(20, a, { reconnect: true });
    const onB = await holders(20, b, { reconnect: true });
    expect(onA.every((c) => c.version === 'one') && onB.every((c) => c.version === 'one')).toBe(true);
    await proxy.swap(table(v1, v2, [{ port: a, w1: 50, w2: 50, policy: ON }, { port: b, w1: 50, w2: 50 }]));
    await waitFor(() => active(proxy, a, 'v2') >= 9 && active(proxy, a, 'v1') <= 11 && onA.every((c) => c.version !== null), 15_000,
      () => `split on A: ${active(proxy, a, 'v1')}/${active(proxy, a, 'v2')}`);
    const r = route(proxy, a);
    expect(r.activeConnections).toBe(20);
    expect(Math.abs(r.destinations.find((d) => d.version === 'v2')!.activePercent! - 50)).toBeLessThanOrEqual(5);
    expect(rebalanced(proxy, 'v1').rebalance).toBeGreaterThanOrEqual(9);
    expect(rebalanced(proxy, 'v2').rebalance).toBe(0);
    // listener B has no policy: every client is still on its first connection, on v1
    expect(onB.map((c) => c.closes)).toEqual(new Array(20).fill(0));
    expect(onB.every((c) => c.version === 'one' && c.open)).toBe(true);
    expect(active(proxy, b, 'v1')).toBe(20);
    expect(route(proxy, b).connections).toBeNull();
    expect(onA.reduce((n, c) => n + c.inFlightAtClose, 0)).toBe(0);
  });

  test('only connections idle for closeWhenIdleFor are closed: busy ones never', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    const policy = { ...ON, closeWhenIdleForMs: 400 };
    await proxy.swap(table(v1, v2, [{ port, w1: 1, w2: 0, policy }]));
    const busy = await holders(8, port, { everyMs: 40 });
    const idle = await holders(8, port);
    await proxy.swap(table(v1, v2, [{ port, w1: 1, w2: 1, policy }]));
    await waitFor(() => idle.every((c) => !c.open), 15_000, () => `idle closed: ${idle.filter((c) => !c.open).length}`);
    expect(busy.map((c) => c.closes)).toEqual(new Array(8).fill(0));
    expect(busy.every((c) => c.open)).toBe(true);
    expect(rebalanced(proxy, 'v1').rebalance).toBe(8);
    expect(busy.reduce((n, c) => n + c.answered, 0)).toBeGreaterThan(8);
  });

  test('at most maxClosesPerSecond closes in any second, per listener (the proxy\'s own close times)', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const port = await freePort();
    const logs = captureLogs('debug');
    const proxy = h.proxy({ dataPath, logger: logs.log });
    const policy = { ...ON, maxClosesPerSecond: 4, closeWhenIdleForMs: 0 };
    await proxy.swap(table(v1, v2, [{ port, w1: 1, w2: 0, policy }]));
    await holders(24, port);
    await proxy.swap(table(v1, v2, [{ port, w1: 1, w2: 1, policy }]));
    await waitFor(() => rebalanced(proxy, 'v1').rebalance >= 9, 15_000);
    const times = logs.lines.filter((l) => l.msg === 'connection closed by the proxy' && l.reason === 'rebalance').map((l) => Number(l.atMs));
    expect(times.length).toBeGreaterThanOrEqual(9);
    for (let i = 0; i + 4 < times.length; i++) expect(times[i + 4]! - times[i]!).toBeGreaterThanOrEqual(1000);
  });

  test('a destination that leaves the route drains: idle connections first, busy ones after drainAfter', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    const policy = { ...ON, closeWhenIdleForMs: 300, drainAfterMs: 2500 };
    await proxy.swap(table(v1, v2, [{ port, w1: 1, w2: null, policy }]));
    const busy = await holders(3, port, { everyMs: 40 });
    const idle = await holders(3, port);
    await proxy.swap(table(v1, v2, [{ port, w1: null, w2: 1, policy }]));
    expect(route(proxy, port).draining).toEqual([{ key: 'tcp-echo|v1|9000', service: 'tcp-echo', version: 'v1', listenerActive: 6, activePercent: 100 }]);
    await waitFor(() => idle.every((c) => !c.open), 15_000);
    expect(busy.every((c) => c.open)).toBe(true);
    expect(rebalanced(proxy, 'v1')).toEqual({ rebalance: 0, drain: 3, drain_after: 0 });
    await waitFor(() => busy.every((c) => !c.open), 15_000);
    expect(rebalanced(proxy, 'v1')).toEqual({ rebalance: 0, drain: 3, drain_after: 3 });
    // The clients saw the close; the proxy releases each connection once both of its legs are closed.
    await waitFor(() => (route(proxy, port).draining ?? []).length === 0, 10_000, 'the drained connections released');
    expect(route(proxy, port).draining).toEqual([]);
  });

  test('sticky sourceIP with rebalance: exactly the clients the hash now sends to v2 are closed, and they come back on v2', async () => {
    const [v1, v2] = [await h.echo('one'), await h.echo('two')];
    const port = await freePort();
    const proxy = h.proxy({ dataPath });
    const policy = { ...ON, stickiness: 'sourceIP' as const };
    await proxy.swap(table(v1, v2, [{ port, w1: 100, w2: 0, policy }]));
    const addresses = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 2}`);
    const clients: Holder[] = [];
    for (const a of addresses) clients.push(...await holders(1, port, { reconnect: true, localAddress: a }));
    expect(clients.every((c) => c.version === 'one')).toBe(true);
    const next = table(v1, v2, [{ port, w1: 50, w2: 50, policy }]);
    const keys = next.listeners[0]!.route.destinations.map((d) => d.key);
    const picker = new StickyPicker(keys, [50, 50]);
    const toV2 = addresses.map((a) => picker.pick(addressHash(a)) === 1);
    await proxy.swap(next);
    await waitFor(() => clients.every((c, i) => (toV2[i] ? c.version === 'two' : c.version === 'one')), 15_000,
      () => `on v2: ${clients.filter((c) => c.version === 'two').length}, expected ${toV2.filter(Boolean).length}`);
    expect(clients.map((c) => c.closes)).toEqual(toV2.map((m) => (m ? 1 : 0)));
    expect(rebalanced(proxy, 'v1').rebalance).toBe(toV2.filter(Boolean).length);
  });
});

/** The observed share: the destinations given to each listener's last 1,000 new connections, next to the declared weights. */
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';
import { OBSERVED_WINDOW, ObservedRing, ObservedShares, observedPercent } from '../../src/proxy/observed';
import { initialStatus } from '../../src/reconcile/status';
import { Harness } from '../helpers/harness';
import { connectAndSend, freePort } from '../helpers/net';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

describe('ObservedRing', () => {
  test('counts what it recorded, and forgets the oldest once full', () => {
    const r = new ObservedRing(4);
    expect([r.count, [...r.counts()]]).toEqual([0, []]);
    for (const id of [0, 0, 1]) r.record(id);
    expect([r.count, Object.fromEntries(r.counts())]).toEqual([3, { 0: 2, 1: 1 }]);
    for (const id of [1, 1, 1]) r.record(id); // the two 0s fall out
    expect([r.count, Object.fromEntries(r.counts())]).toEqual([4, { 1: 4 }]);
  });

  test('the default window is 1,000 connections', () => {
    const r = new ObservedRing();
    for (let i = 0; i < 2500; i++) r.record(i % 10 < 8 ? 0 : 1);
    expect(OBSERVED_WINDOW).toBe(1000);
    expect([r.count, r.counts().get(0), r.counts().get(1)]).toEqual([1000, 800, 200]);
  });

  test('ids are stable per destination key; rings are kept per listener', () => {
    const s = new ObservedShares();
    expect([s.id('a|v1|1'), s.id('a|v2|1'), s.id('a|v1|1')]).toEqual([0, 1, 0]);
    expect(s.ring('l1')).toBe(s.ring('l1'));
    expect(s.ring('l1')).not.toBe(s.ring('l2'));
  });

  test.each([[0, 0, null], [1, 3, 33.33], [8, 10, 80], [10, 10, 100]])('observedPercent(%i, %i) = %p', (n, total, want) => {
    expect(observedPercent(n, total)).toBe(want);
  });
});

describe('the proxy records the pick of every new connection', () => {
  function split(port: number, v1: number, v2: number, w1: number, w2: number) {
    return tableOf({ listeners: [{ port, destinations: [
      { subset: 'v1', weight: w1, endpoints: [{ port: v1 }] },
      { subset: 'v2', weight: w2, endpoints: [{ port: v2 }] },
    ] }] });
  }
  const shares = (snap: ReturnType<import('../../src/proxy/proxy').TcpProxy['snapshot']>) =>
    snap.listeners[0]!.route.destinations.map((d) => [d.subset, d.percent, d.observedPercent]);

  test('80/20 is observed as 80/20; after a swap to 50/50 the window shows the shift happening', async () => {
    const v1 = await h.echo('one');
    const v2 = await h.echo('two');
    const port = await freePort();
    const proxy = h.proxy();
    await proxy.swap(split(port, v1, v2, 80, 20));
    expect(shares(proxy.snapshot())).toEqual([['v1', 80, null], ['v2', 20, null]]);
    for (let i = 0; i < 10; i++) await connectAndSend(port, 'x');
    expect(proxy.snapshot().listeners[0]!.route.observedConnections).toBe(10);
    expect(shares(proxy.snapshot())).toEqual([['v1', 80, 80], ['v2', 20, 20]]);

    await proxy.swap(split(port, v1, v2, 50, 50));
    expect(shares(proxy.snapshot())).toEqual([['v1', 50, 80], ['v2', 50, 20]]); // nothing new yet: the window outlives the swap
    for (let i = 0; i < 10; i++) await connectAndSend(port, 'x');
    expect(proxy.snapshot().listeners[0]!.route.observedConnections).toBe(20);
    expect(shares(proxy.snapshot())).toEqual([['v1', 50, 65], ['v2', 50, 35]]);
  });

  test('a connection refused by maxConnections still counts as picked', async () => {
    const v1 = await h.echo('one');
    const port = await freePort();
    const proxy = h.proxy();
    // maxConnections 1 (the parser refuses 0): one client held open, the next is refused.
    await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ subset: 'v1', endpoints: [{ port: v1 }], policy: { maxConnections: 1 } }] }] }));
    const held = await h.client(port);
    expect(await held.send('a')).toBe('one a');
    expect(await connectAndSend(port, 'x')).toBe('');
    expect(proxy.snapshot().listeners[0]!.route.destinations[0]).toMatchObject({ rejected: 1, opened: 1 });
    expect(proxy.snapshot().listeners[0]!.route.observedConnections).toBe(2);
  });
});

test('tcpshift status shows the observed share next to the declared weight', () => {
  const doc: StatusDocument = {
    ...initialStatus('git repo branch main'),
    activeConnections: 0, rejectedConnections: 0, acceptErrors: [], localConnectErrors: [],
    listeners: [{
      key: '0.0.0.0:31400', address: '0.0.0.0', port: 31400, boundPort: 31400, gateway: 'default/gw', portName: 'tcp',
      route: {
        virtualService: 'default/tcp-echo', rule: 0, observedConnections: 1000,
        destinations: [
          { key: 'k1', host: 'tcp-echo', subset: 'v1', port: 9000, service: 'tcp-echo', version: 'v1', weight: 80, percent: 80, observedPercent: 91.3, active: 0, opened: 0, closed: 0, connectFailures: 0, failed: 0, rejected: 0, endpoints: [] },
          { key: 'k2', host: 'tcp-echo', subset: 'v2', port: 9000, service: 'tcp-echo', version: 'v2', weight: 20, percent: 20, observedPercent: null, active: 0, opened: 0, closed: 0, connectFailures: 0, failed: 0, rejected: 0, endpoints: [] },
        ],
      },
    }],
  };
  const lines = renderStatus(doc);
  expect(lines).toContainEqual(expect.stringMatching(/^ {2}0\.0\.0\.0:31400 .* observed over the last 1000 new connections$/));
  expect(lines).toContainEqual(expect.stringMatching(/^ {4}tcp-echo v1:9000 {2}weight 80 \(80%\) {2}observed 91\.3% {2}active/));
  expect(lines).toContainEqual(expect.stringMatching(/^ {4}tcp-echo v2:9000 {2}weight 20 \(20%\) {2}observed - {2}active/));
});

test('a ring holds no buffer until its first connection (5,000 idle listeners cost no 20 MB)', () => {
  const before = process.memoryUsage().arrayBuffers;
  const rings = Array.from({ length: 10_000 }, () => new ObservedRing());
  const idle = process.memoryUsage().arrayBuffers - before;
  expect(idle).toBeLessThan(4 * 1024 * 1024);
  expect(rings[0]!.counts().size).toBe(0);
  rings[0]!.record(3);
  expect([...rings[0]!.counts()]).toEqual([[3, 1]]);
});

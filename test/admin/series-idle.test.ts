/**
 * The web view's series at scale: a destination holds no ring until its first connection, so
 * thousands of idle routes cost no 7 KB ring each; its series still reads zeros from when it
 * appeared (nulls before), and a first connection after the ring wrapped is placed right.
 */
import { Series, SERIES_LENGTH } from '../../src/admin/series';
import type { ProxySnapshot } from '../../src/proxy/snapshot';

type Dest = ProxySnapshot['listeners'][number]['route']['destinations'][number];

function snap(listeners: Record<string, Record<string, number>>): ProxySnapshot {
  return {
    activeConnections: 0, rejectedConnections: 0, acceptErrors: [], localConnectErrors: [],
    listeners: Object.entries(listeners).map(([key, ds]) => ({
      key, route: { destinations: Object.entries(ds).map(([k, opened]) => ({ key: k, opened }) as unknown as Dest) },
    }) as unknown as ProxySnapshot['listeners'][number]),
  };
}

test('10,000 idle destinations sampled hold no rings (array buffers grow < 1 MB; an eager Float64 ring each was 72 MB)', () => {
  const many: Record<string, Record<string, number>> = {};
  for (let i = 0; i < 5000; i++) many[`l${i}`] = { a: 0, b: 0 };
  const s = new Series();
  const before = process.memoryUsage().arrayBuffers;
  for (let t = 1; t <= 3; t++) s.sample(snap(many), t * 1000);
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  expect(s.window(2).find((r) => r.listener === 'l7')).toEqual({ listener: 'l7', times: [2, 3], destinations: [{ key: 'a', values: [0, 0] }, { key: 'b', values: [0, 0] }] });
});

test('an idle destination reads zeros since it appeared; its first connection lands in the right second, also after a wrap', () => {
  const s = new Series(4);
  s.sample(snap({ L: { a: 1 } }), 1000);
  s.sample(snap({ L: { a: 1, b: 0 } }), 2000);
  s.sample(snap({ L: { a: 1, b: 0 } }), 3000);
  expect(s.all()[0]?.destinations).toEqual([{ key: 'a', values: [1, 0, 0] }, { key: 'b', values: [null, 0, 0] }]);
  for (let t = 4; t <= 9; t++) s.sample(snap({ L: { a: 1, b: t === 9 ? 2 : 0 } }), t * 1000);
  expect(s.all()[0]).toEqual({ listener: 'L', times: [6, 7, 8, 9], destinations: [{ key: 'a', values: [0, 0, 0, 0] }, { key: 'b', values: [0, 0, 0, 2] }] });
  expect(SERIES_LENGTH).toBe(900);
});

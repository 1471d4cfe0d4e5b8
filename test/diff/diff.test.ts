import { diff } from '../../src/diff/diff';
import type { Change } from '../../src/diff/types';
import type { RoutingTable } from '../../src/model/types';
import { echoSplit, ep, table } from '../helpers/diff-tables';

const L = '0.0.0.0:31400';
const V1 = { key: 'tcp-echo|v1|9000', host: 'tcp-echo', subset: 'v1', port: 9000 };
const V2 = { key: 'tcp-echo|v2|9000', host: 'tcp-echo', subset: 'v2', port: 9000 };
const v1Labels = { app: 'tcp-echo', version: 'v1' };

interface Case {
  readonly name: string;
  readonly applied: RoutingTable | null;
  readonly desired: RoutingTable;
  readonly want: readonly Change[];
}

const cases: readonly Case[] = [
  { name: 'equal tables', applied: echoSplit(80, 20), desired: echoSplit(80, 20), want: [] },
  { name: 'null applied, empty desired', applied: null, desired: table(), want: [] },
  {
    name: 'null applied: every listener added, ordered by address then numeric port',
    applied: null,
    desired: table({ port: 31400 }, { port: 9000, gateway: 'default/other', destinations: [{ subset: 'v2' }] }),
    want: [
      {
        type: 'listener-added', listener: '0.0.0.0:9000', gateway: 'default/other', portName: 'tcp',
        virtualService: 'default/tcp-echo', rule: 0, destinations: [{ ...V2, weight: 1, percent: 100 }],
      },
      {
        type: 'listener-added', listener: L, gateway: 'default/tcp-echo-gateway', portName: 'tcp',
        virtualService: 'default/tcp-echo', rule: 0, destinations: [{ ...V1, weight: 1, percent: 100 }],
      },
    ],
  },
  {
    name: '100/0 → 80/20',
    applied: echoSplit(100, 0),
    desired: echoSplit(80, 20),
    want: [{
      type: 'weights-changed', listener: L, destinations: [
        { ...V1, change: 'changed', oldPercent: 100, newPercent: 80, oldWeight: 100, newWeight: 80 },
        { ...V2, change: 'changed', oldPercent: 0, newPercent: 20, oldWeight: 0, newWeight: 20 },
      ],
    }],
  },
  {
    name: 'subset added to the route (no endpoint or policy change reported for it)',
    applied: table({ destinations: [{ subset: 'v1' }] }),
    desired: echoSplit(80, 20),
    want: [{
      type: 'weights-changed', listener: L, destinations: [
        { ...V1, change: 'changed', oldPercent: 100, newPercent: 80, oldWeight: 1, newWeight: 80 },
        { ...V2, change: 'added', oldPercent: 0, newPercent: 20, oldWeight: 0, newWeight: 20 },
      ],
    }],
  },
  {
    name: 'subset removed from the route',
    applied: echoSplit(50, 50),
    desired: table({ destinations: [{ subset: 'v2', weight: 50 }] }),
    want: [{
      type: 'weights-changed', listener: L, destinations: [
        { ...V2, change: 'changed', oldPercent: 50, newPercent: 100, oldWeight: 50, newWeight: 50 },
        { ...V1, change: 'removed', oldPercent: 50, newPercent: 0, oldWeight: 50, newWeight: 0 },
      ],
    }],
  },
  {
    name: 'weights scaled, shares unchanged',
    applied: echoSplit(1, 1),
    desired: echoSplit(2, 2),
    want: [{
      type: 'weights-changed', listener: L, destinations: [
        { ...V1, change: 'changed', oldPercent: 50, newPercent: 50, oldWeight: 1, newWeight: 2 },
        { ...V2, change: 'changed', oldPercent: 50, newPercent: 50, oldWeight: 1, newWeight: 2 },
      ],
    }],
  },
  {
    name: 'listener removed',
    applied: echoSplit(80, 20),
    desired: table(),
    want: [{ type: 'listener-removed', listener: L, gateway: 'default/tcp-echo-gateway' }],
  },
  {
    name: 'listener address changed: remove + add, by address order',
    applied: table({ address: '127.0.0.1' }),
    desired: table({ address: '0.0.0.0' }),
    want: [
      {
        type: 'listener-added', listener: L, gateway: 'default/tcp-echo-gateway', portName: 'tcp',
        virtualService: 'default/tcp-echo', rule: 0, destinations: [{ ...V1, weight: 1, percent: 100 }],
      },
      { type: 'listener-removed', listener: '127.0.0.1:31400', gateway: 'default/tcp-echo-gateway' },
    ],
  },
  {
    name: 'endpoints added, removed and changed (weight, labels)',
    applied: table({ destinations: [{ endpoints: [ep('127.0.0.1', 9000, v1Labels), ep('127.0.0.1', 9001, v1Labels), ep('127.0.0.1', 9003, v1Labels), ep('127.0.0.1', 9004, v1Labels)] }] }),
    desired: table({ destinations: [{ endpoints: [ep('127.0.0.1', 9000, v1Labels), ep('127.0.0.1', 9002, v1Labels), ep('127.0.0.1', 9003, v1Labels, 3), ep('127.0.0.1', 9004, { ...v1Labels, zone: 'a' })] }] }),
    want: [{
      type: 'endpoints-changed', listener: L, destination: V1,
      added: ['127.0.0.1:9002'], removed: ['127.0.0.1:9001'], changed: ['127.0.0.1:9003', '127.0.0.1:9004'],
    }],
  },
  {
    name: 'policy fields changed, in Policy field order',
    applied: table({ destinations: [{ policy: {} }] }),
    desired: table({ destinations: [{ policy: { tcpKeepalive: { timeMs: 60_000, intervalMs: 10_000, probes: 3 }, connectTimeoutMs: 5000 } }] }),
    want: [{
      type: 'policy-changed', listener: L, destination: V1, fields: [
        { field: 'connectTimeoutMs', old: 10_000, new: 5000 },
        { field: 'tcpKeepalive', old: null, new: { timeMs: 60_000, intervalMs: 10_000, probes: 3 } },
      ],
    }],
  },
  {
    name: 'route moved to another VirtualService rule, same destinations',
    applied: table({ virtualService: 'default/tcp-echo', rule: 0 }),
    desired: table({ virtualService: 'default/tcp-echo-b', rule: 1 }),
    want: [{
      type: 'route-changed', listener: L,
      virtualService: { old: 'default/tcp-echo', new: 'default/tcp-echo-b' }, rule: { old: 0, new: 1 },
      gateway: { old: 'default/tcp-echo-gateway', new: 'default/tcp-echo-gateway' }, portName: { old: 'tcp', new: 'tcp' },
    }],
  },
  {
    name: 'listener now served for another Gateway server',
    applied: table({ gateway: 'default/a', portName: 'tcp' }),
    desired: table({ gateway: 'default/b', portName: 'tcp-echo' }),
    want: [{
      type: 'route-changed', listener: L,
      virtualService: { old: 'default/tcp-echo', new: 'default/tcp-echo' }, rule: { old: 0, new: 0 },
      gateway: { old: 'default/a', new: 'default/b' }, portName: { old: 'tcp', new: 'tcp-echo' },
    }],
  },
  {
    name: 'destination and endpoint order alone is not a change',
    applied: table({ destinations: [{ subset: 'v1', endpoints: [ep('10.0.0.1', 1), ep('10.0.0.2', 1)] }, { subset: 'v2' }] }),
    desired: table({ destinations: [{ subset: 'v2' }, { subset: 'v1', endpoints: [ep('10.0.0.2', 1), ep('10.0.0.1', 1)] }] }),
    want: [],
  },
];

describe('diff', () => {
  test.each(cases)('$name', ({ applied, desired, want }) => {
    expect(diff(applied, desired)).toEqual(want);
  });

  test('a table diffed with itself re-built (equal, other objects) is empty', () => {
    const a = echoSplit(80, 20);
    const b = echoSplit(80, 20);
    expect(a).not.toBe(b);
    expect(a.listeners[0]).not.toBe(b.listeners[0]);
    expect(diff(a, b)).toEqual([]);
    expect(diff(a, JSON.parse(JSON.stringify(a)) as RoutingTable)).toEqual([]);
  });

  test('several changes on several listeners: by listener, then change type', () => {
    const applied = table(
      { port: 31400, destinations: [{ subset: 'v1', weight: 100 }, { subset: 'v2', weight: 0 }] },
      { port: 9000 },
      { port: 31401 },
    );
    const desired = table(
      {
        port: 31400, virtualService: 'default/other',
        destinations: [
          { subset: 'v1', weight: 80, policy: { loadBalancer: 'ROUND_ROBIN' }, endpoints: [ep('127.0.0.1', 9005)] },
          { subset: 'v2', weight: 20 },
        ],
      },
      { port: 9001 },
      { port: 31401 },
    );
    const got = diff(applied, desired).map((c) => `${c.listener} ${c.type}`);
    expect(got).toEqual([
      '0.0.0.0:9000 listener-removed',
      '0.0.0.0:9001 listener-added',
      '0.0.0.0:31400 route-changed',
      '0.0.0.0:31400 weights-changed',
      '0.0.0.0:31400 endpoints-changed',
      '0.0.0.0:31400 policy-changed',
    ]);
  });

  test('changes are JSON-safe', () => {
    const policy = { tcpKeepalive: { timeMs: 1000, intervalMs: 1000, probes: 2 } };
    const changes = [
      ...diff(null, echoSplit(80, 20)),
      ...diff(echoSplit(100, 0), table({ virtualService: 'default/x', destinations: [{ subset: 'v1', weight: 3, policy }] })),
    ];
    expect(changes.length).toBeGreaterThan(2);
    expect(JSON.parse(JSON.stringify(changes))).toEqual(changes);
  });
});

import { diff } from '../../src/diff/diff';
import { formatPercent, renderChanges, summarizeChanges } from '../../src/diff/render';
import type { Change } from '../../src/diff/types';
import type { RoutingTable } from '../../src/model/types';
import { echoSplit, ep, table } from '../helpers/diff-tables';

const v1Labels = { app: 'tcp-echo', version: 'v1' };

/** Renders the diff of two tables; asserts one line per change. */
function lines(applied: RoutingTable | null, desired: RoutingTable): string[] {
  const changes = diff(applied, desired);
  const out = renderChanges(changes);
  expect(out).toHaveLength(changes.length);
  return out;
}

interface Case {
  readonly name: string;
  readonly applied: RoutingTable | null;
  readonly desired: RoutingTable;
  /** Per expected line, substrings (or patterns) it must contain. */
  readonly want: readonly (readonly (string | RegExp)[])[];
  /** Substrings no line may contain. */
  readonly not?: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'listener added, one destination',
    applied: null,
    desired: table({}),
    want: [[/^\+ listener 0\.0\.0\.0:31400 /, '(gateway default/tcp-echo-gateway)', '→ tcp-echo v1 100%']],
  },
  {
    name: 'listener added with a split: host written once',
    applied: null,
    desired: echoSplit(80, 20),
    want: [['→ tcp-echo v1 80%, v2 20%']],
  },
  {
    name: 'listener removed',
    applied: echoSplit(80, 20),
    desired: table(),
    want: [[/^- listener 0\.0\.0\.0:31400\b/, 'default/tcp-echo-gateway']],
  },
  {
    name: '100/0 → 80/20',
    applied: echoSplit(100, 0),
    desired: echoSplit(80, 20),
    want: [[/^~ 0\.0\.0\.0:31400 tcp-echo v1 100% → 80% +v2 0% → 20%$/]],
  },
  {
    name: 'thirds print two decimals, no more',
    applied: echoSplit(100, 0),
    desired: echoSplit(1, 2),
    want: [['v1 100% → 33.33%', 'v2 0% → 66.67%']],
    not: ['33.330', '33.3333'],
  },
  {
    name: 'subset added and removed are marked',
    applied: table({ destinations: [{ subset: 'v1' }] }),
    desired: table({ destinations: [{ subset: 'v2' }] }),
    want: [['~ 0.0.0.0:31400 tcp-echo +v2 0% → 100%  -v1 100% → 0%']],
  },
  {
    name: 'whole-service destination added: sign before the host',
    applied: table({ destinations: [{ subset: 'v1' }] }),
    desired: table({ destinations: [{ subset: 'v1' }, { subset: null }] }),
    want: [['tcp-echo v1 100% → 50%', '+tcp-echo 0% → 50%']],
  },
  {
    name: 'weights scaled with equal shares show the weights',
    applied: echoSplit(1, 1),
    desired: echoSplit(2, 2),
    want: [['v1 50% (weight 1 → 2)', 'v2 50% (weight 1 → 2)']],
  },
  {
    name: 'two hosts and one host on two ports',
    applied: null,
    desired: table({ destinations: [{ host: 'a', subset: 'v1', port: 1 }, { host: 'a', subset: 'v1', port: 2 }, { host: 'b', subset: null }] }),
    want: [['→ a v1:1 33.33%, v1:2 33.33%, b 33.33%']],
  },
  {
    name: 'endpoints added, removed, changed',
    applied: table({ destinations: [{ endpoints: [ep('127.0.0.1', 9001, v1Labels), ep('127.0.0.1', 9003, v1Labels)] }] }),
    desired: table({ destinations: [{ endpoints: [ep('127.0.0.1', 9002, v1Labels), ep('127.0.0.1', 9003, v1Labels, 5)] }] }),
    want: [[/^~ 0\.0\.0\.0:31400 tcp-echo v1 endpoints /, '+127.0.0.1:9002', '-127.0.0.1:9001', '~127.0.0.1:9003']],
  },
  {
    name: 'policy written as a DestinationRule would',
    applied: table({ destinations: [{ policy: {} }] }),
    desired: table({ destinations: [{ policy: {
      connectTimeoutMs: 5000, idleTimeoutMs: 0, maxConnections: 100, loadBalancer: 'ROUND_ROBIN',
      tcpKeepalive: { timeMs: 60_000, intervalMs: 10_000, probes: 3 },
      outlierDetection: { consecutiveErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 },
    } }] }),
    want: [[
      /^~ 0\.0\.0\.0:31400 tcp-echo v1 policy /, 'loadBalancer LEAST_REQUEST → ROUND_ROBIN', 'connectTimeout 10s → 5s',
      'idleTimeout 1h → off', 'maxConnections unlimited → 100', 'tcpKeepalive off → time=1m interval=10s probes=3',
      'outlierDetection off → errors=5 interval=10s ejection=30s max=10%',
    ]],
  },
  {
    name: 'route moved to another rule: gateway not mentioned when unchanged',
    applied: table({ virtualService: 'default/tcp-echo', rule: 0 }),
    desired: table({ virtualService: 'default/tcp-echo-b', rule: 1 }),
    want: [['~ 0.0.0.0:31400 route default/tcp-echo tcp[0] → default/tcp-echo-b tcp[1]']],
    not: ['gateway', 'port name'],
  },
  {
    name: 'gateway server changed',
    applied: table({ gateway: 'default/a', portName: 'tcp' }),
    desired: table({ gateway: 'default/b', portName: 'tcp-echo' }),
    want: [['gateway default/a → default/b', 'port name tcp → tcp-echo']],
    not: ['route '],
  },
];

describe('renderChanges', () => {
  test.each(cases)('$name', ({ applied, desired, want, not }) => {
    const out = lines(applied, desired);
    expect(out).toHaveLength(want.length);
    want.forEach((parts, i) => {
      for (const p of parts) {
        if (typeof p === 'string') expect(out[i]).toContain(p);
        else expect(out[i]).toMatch(p);
      }
    });
    for (const n of not ?? []) for (const l of out) expect(l).not.toContain(n);
  });

  test('equal tables render nothing', () => {
    expect(lines(echoSplit(80, 20), echoSplit(80, 20))).toEqual([]);
  });

  test('lines are grouped by listener even when changes come interleaved', () => {
    const a = diff(table({ port: 1 }, { port: 2 }), table({ port: 1, destinations: [{ subset: 'v2' }] }, { port: 2, destinations: [{ subset: 'v2' }] }));
    const b = diff(table({ port: 1 }, { port: 2 }), table({ port: 1, rule: 3 }, { port: 2, rule: 3 }));
    const mixed: Change[] = [a[0], b[1], b[0], a[1]].filter((c): c is Change => c !== undefined);
    expect(mixed).toHaveLength(4);
    const keys = renderChanges(mixed).map((l) => l.split(' ')[1]);
    expect(keys).toEqual(['0.0.0.0:1', '0.0.0.0:1', '0.0.0.0:2', '0.0.0.0:2']);
  });
});

describe('formatPercent', () => {
  test.each([
    [80, '80%'], [100, '100%'], [0, '0%'], [33.33, '33.33%'], [33.333333, '33.33%'], [12.5, '12.5%'],
    [0.1 + 0.2, '0.3%'], [-0, '0%'], [66.666, '66.67%'],
  ])('%p → %p', (n, want) => {
    expect(formatPercent(n)).toBe(want);
  });
});

describe('summarizeChanges', () => {
  test('counts each kind of change', () => {
    const changes = diff(
      table({ port: 1 }, { port: 2 }, { port: 3, destinations: [{ subset: 'v1', weight: 1 }, { subset: 'v2', weight: 0 }] }),
      table({ port: 2, rule: 1, destinations: [{ policy: { connectTimeoutMs: 1 }, endpoints: [ep('10.0.0.9', 9)] }] },
        { port: 3, destinations: [{ subset: 'v1', weight: 1 }, { subset: 'v2', weight: 1 }] }, { port: 4 }, { port: 5 }),
    );
    expect(summarizeChanges(changes)).toEqual({
      listenersAdded: 2, listenersRemoved: 1, routesChanged: 1, weightsChanged: 1, endpointsChanged: 1, policyChanged: 1,
    });
    expect(summarizeChanges([])).toEqual({
      listenersAdded: 0, listenersRemoved: 0, routesChanged: 0, weightsChanged: 0, endpointsChanged: 0, policyChanged: 0,
    });
  });
});

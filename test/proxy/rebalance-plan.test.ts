import { DEFAULT_CONNECTION_POLICY, type ConnectionPolicy } from '../../src/model/types';
import { withConnectionPolicies } from '../../src/model/connections';
import { CloseLimiter, planCloses, type PlanConnection } from '../../src/proxy/rebalance';
import { sweepInterval } from '../../src/proxy/sweep';
import { tableOf } from '../helpers/table';

const POLICY: ConnectionPolicy = { ...DEFAULT_CONNECTION_POLICY, rebalance: true, closeWhenIdleForMs: 1000, drainAfterMs: 60_000 };
const NOW = 100_000;

/** `n` connections on `dest`, ids `dest#i`, accepted at `since + i`, last active `idleFor` ms ago (null = busy). */
function conns(dest: string, n: number, idleFor: number | null, since = 0, tag = ''): PlanConnection<string>[] {
  return Array.from({ length: n }, (_, i) => ({ conn: `${dest}${tag}#${i}`, destination: dest, since: since + i, activeAt: idleFor === null ? null : NOW - idleFor }));
}

function plan(over: { weights: [string, number][]; conns: PlanConnection<string>[]; budget?: number; policy?: Partial<ConnectionPolicy>; draining?: [string, number][] }) {
  return planCloses({
    now: NOW, policy: { ...POLICY, ...over.policy }, weights: new Map(over.weights), conns: over.conns,
    drainingSince: new Map(over.draining ?? []), budget: over.budget ?? 1000,
  });
}

describe('planCloses', () => {
  test.each([
    // name, weights, v1 conns, v2 conns, expected rebalance closes of v1
    ['100/0 → 50/50, 200 idle on v1: close until the expected split is within 2 points', [['v1', 50], ['v2', 50]], 200, 0, 192],
    ['already 50/50', [['v1', 50], ['v2', 50]], 100, 100, 0],
    ['within tolerance (52/48)', [['v1', 50], ['v2', 50]], 104, 96, 0],
    ['just outside it (53/47): each close moves half a client', [['v1', 50], ['v2', 50]], 106, 94, 4],
    ['80/20 served as 100/0 by 100 connections', [['v1', 80], ['v2', 20]], 100, 0, 90],
    ['three connections cannot split 50/50: no churn', [['v1', 1], ['v2', 1]], 2, 1, 0],
  ] as [string, [string, number][], number, number, number][])('%s', (_name, weights, n1, n2, closes) => {
    const out = plan({ weights, conns: [...conns('v1', n1, 5000), ...conns('v2', n2, 5000)] });
    expect(out.filter((c) => c.destination === 'v1' && c.reason === 'rebalance')).toHaveLength(closes);
    expect(out.filter((c) => c.destination === 'v2')).toHaveLength(0);
  });

  test('only connections idle for closeWhenIdleFor are closed, oldest first', () => {
    const busy = conns('v1', 5, null, 0, 'busy');
    const recent = conns('v1', 5, 500, 100, 'recent'); // active 500 ms ago < 1000 ms
    const idle = conns('v1', 5, 1000, 200, 'idle').reverse();
    const out = plan({ weights: [['v1', 50], ['v2', 50]], conns: [...busy, ...recent, ...idle] });
    expect(out.map((c) => c.conn)).toEqual(['v1idle#0', 'v1idle#1', 'v1idle#2', 'v1idle#3', 'v1idle#4']);
  });

  test('the budget caps idle closes; drain_after closes are not capped', () => {
    expect(plan({ weights: [['v1', 50], ['v2', 50]], conns: conns('v1', 100, 5000), budget: 3 })).toHaveLength(3);
    expect(plan({ weights: [['v1', 50], ['v2', 50]], conns: conns('v1', 100, 5000), budget: 0 })).toHaveLength(0);
    const gone = plan({ weights: [['v2', 1]], conns: conns('v1', 7, null), budget: 0, draining: [['v1', NOW - 60_000]] });
    expect(gone.map((c) => c.reason)).toEqual(new Array(7).fill('drain_after'));
  });

  test('a draining destination: idle connections first (budgeted), busy ones only after drainAfter', () => {
    const list = [...conns('v1', 3, null, 0, 'busy'), ...conns('v1', 4, 2000, 10, 'idle')];
    const before = plan({ weights: [['v1', 0], ['v2', 1]], conns: list, draining: [['v1', NOW - 59_999]] });
    expect(before.map((c) => [c.conn, c.reason])).toEqual([0, 1, 2, 3].map((i) => [`v1idle#${i}`, 'drain']));
    const after = plan({ weights: [['v1', 0], ['v2', 1]], conns: list, draining: [['v1', NOW - 60_000]] });
    expect(after).toHaveLength(7);
    expect(new Set(after.map((c) => c.reason))).toEqual(new Set(['drain_after']));
    // drainAfter 0 = never forced
    expect(plan({ weights: [['v2', 1]], conns: conns('v1', 3, null), policy: { drainAfterMs: 0 }, draining: [['v1', 0]] })).toEqual([]);
  });

  test('draining closes count as reconnecting by the weights, so serving destinations are not over-closed', () => {
    // v1 leaves; v2 and v3 share 50/50; v2 holds 50 of 100 today, v3 none: the 50 drained clients come back 25/25.
    const out = plan({ weights: [['v2', 1], ['v3', 1]], conns: [...conns('v1', 50, 5000), ...conns('v2', 50, 5000)] });
    expect(out.filter((c) => c.reason === 'drain')).toHaveLength(50);
    const rebalance = out.filter((c) => c.reason === 'rebalance');
    expect(rebalance.every((c) => c.destination === 'v2')).toBe(true);
    expect(rebalance.length).toBeGreaterThanOrEqual(40);
    expect(rebalance.length).toBeLessThanOrEqual(50);
  });

  test('no connections, or every weight 0: nothing but draining', () => {
    expect(plan({ weights: [['v1', 1]], conns: [] })).toEqual([]);
    expect(plan({ weights: [['v1', 0]], conns: conns('v1', 2, 5000) }).map((c) => c.reason)).toEqual(['drain', 'drain']);
  });
});

describe('CloseLimiter', () => {
  test('at most `rate` closes in any 1 s window', () => {
    const l = new CloseLimiter();
    expect(l.available(0, 3)).toBe(3);
    for (const t of [0, 10, 20]) l.record(t);
    expect(l.available(999, 3)).toBe(0);
    expect(l.available(1000, 3)).toBe(1);
    expect(l.available(1020, 3)).toBe(3);
  });

  test('a rate below 1 allows one close per 1/rate seconds; 0 allows none', () => {
    const l = new CloseLimiter();
    expect(l.available(0, 0.5)).toBe(1);
    l.record(0);
    expect(l.available(1999, 0.5)).toBe(0);
    expect(l.available(2000, 0.5)).toBe(1);
    expect(l.available(0, 0)).toBe(0);
  });
});

describe('sweepInterval', () => {
  const t = tableOf({ listeners: [{ port: 1, destinations: [{ endpoints: [{ port: 9 }] }] }, { port: 2, destinations: [{ endpoints: [{ port: 9 }] }] }] });

  test.each([
    ['no policy', undefined, 250],
    ['rebalance off', { rebalance: false, closeWhenIdleForMs: 10 }, 250],
    ['closeWhenIdleFor 1s', { rebalance: true, closeWhenIdleForMs: 1000 }, 250],
    ['closeWhenIdleFor 100ms: half of it', { rebalance: true, closeWhenIdleForMs: 100 }, 50],
    ['closeWhenIdleFor 0: the floor', { rebalance: true, closeWhenIdleForMs: 0 }, 20],
  ] as [string, Partial<ConnectionPolicy> | undefined, number][])('%s → %i ms', (_n, p, ms) => {
    expect(sweepInterval(withConnectionPolicies(t, (l) => (l.port === 2 ? p : undefined)))).toBe(ms);
  });
});

describe('planCloses with sticky picks (returnsTo)', () => {
  const sticky = (dest: string, n: number, returnsTo: string, tag: string): PlanConnection<string>[] =>
    conns(dest, n, 5000, 0, tag).map((c) => ({ ...c, returnsTo }));

  test('only clients the hash now sends elsewhere are closed, and each is expected where the hash sends it', () => {
    // 100/0 → 50/50: 50 of v1's 100 clients now hash to v2, 50 still to v1
    const out = plan({ weights: [['v1', 50], ['v2', 50]], conns: [...sticky('v1', 50, 'v1', 'stay'), ...sticky('v1', 50, 'v2', 'move')] });
    expect(out.every((c) => c.conn.startsWith('v1move'))).toBe(true);
    // each close moves one whole client: 48 closes bring v1 to 52 %, within tolerance
    expect(out).toHaveLength(48);
  });

  test('a split the hash cannot improve is left alone (no churn)', () => {
    const out = plan({ weights: [['v1', 50], ['v2', 50]], conns: [...sticky('v1', 60, 'v1', 'stay'), ...sticky('v2', 40, 'v2', 'stay')] });
    expect(out).toEqual([]);
  });
});

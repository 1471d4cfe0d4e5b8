import { withConnectionPolicies } from '../../src/model/connections';
import { effectivePolicy } from '../../src/model/policy';
import { DEFAULT_CONNECTION_POLICY } from '../../src/model/types';
import { tableOf } from '../helpers/table';

describe('effectivePolicy: consistentHash.useSourceIp and maxConnectionDuration', () => {
  test.each([
    ['top consistentHash', { loadBalancer: { consistentHash: { useSourceIp: true } } }, undefined, 'SOURCE_IP_HASH'],
    ['subset simple replaces top consistentHash', { loadBalancer: { consistentHash: { useSourceIp: true } } }, { loadBalancer: { simple: 'RANDOM' as const } }, 'RANDOM'],
    ['subset consistentHash replaces top simple', { loadBalancer: { simple: 'ROUND_ROBIN' as const } }, { loadBalancer: { consistentHash: { useSourceIp: true } } }, 'SOURCE_IP_HASH'],
    ['an empty subset loadBalancer keeps the top one', { loadBalancer: { consistentHash: { useSourceIp: true } } }, { loadBalancer: {} }, 'SOURCE_IP_HASH'],
    ['nothing written', undefined, undefined, 'LEAST_REQUEST'],
  ])('%s', (_name, top, subset, lb) => {
    expect(effectivePolicy(top, subset).loadBalancer).toBe(lb);
  });

  test('maxConnectionDuration: subset overrides top; default off (0)', () => {
    expect(effectivePolicy().maxConnectionDurationMs).toBe(0);
    expect(effectivePolicy({ connectionPool: { tcp: { maxConnectionDurationMs: 60_000 } } }).maxConnectionDurationMs).toBe(60_000);
    expect(effectivePolicy({ connectionPool: { tcp: { maxConnectionDurationMs: 60_000 } } }, { connectionPool: { tcp: { maxConnectionDurationMs: 5_000 } } }).maxConnectionDurationMs).toBe(5_000);
  });
});

describe('withConnectionPolicies', () => {
  const t = tableOf({ listeners: [{ port: 1, destinations: [{ endpoints: [{ port: 9 }] }] }, { port: 2, destinations: [{ endpoints: [{ port: 9 }] }] }] });

  test('fills the policy from the defaults, per listener, into a new frozen table; the input is untouched', () => {
    const out = withConnectionPolicies(t, (l) => (l.port === 1 ? { rebalance: true, maxClosesPerSecond: 3 } : undefined));
    expect(out.listeners[0]!.route.connections).toEqual({ ...DEFAULT_CONNECTION_POLICY, rebalance: true, maxClosesPerSecond: 3 });
    expect(out.listeners[1]!.route.connections).toBeUndefined();
    expect(Object.isFrozen(out.listeners[0]!.route.connections)).toBe(true);
    expect(t.listeners[0]!.route.connections).toBeUndefined();
    expect(withConnectionPolicies(out, () => undefined).listeners[0]!.route).not.toHaveProperty('connections');
  });
});

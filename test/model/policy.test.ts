/** effectivePolicy, table-driven: Istio/Envoy/Linux defaults, and a subset's policy overriding the rule's field by field (kills `npm run mutate` survivors in policy.ts). */
import type { TrafficPolicySpec } from '../../src/manifest/types';
import { effectivePolicy } from '../../src/model/policy';

const OD_DEFAULTS = { consecutiveErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 };
const KA_DEFAULTS = { timeMs: 7_200_000, intervalMs: 75_000, probes: 9 };
const BASE = { loadBalancer: 'LEAST_REQUEST', connectTimeoutMs: 10_000, idleTimeoutMs: 3_600_000, maxConnectionDurationMs: 0, maxConnections: null, tcpKeepalive: null, outlierDetection: null, proxyProtocol: null };

test.each<[string, TrafficPolicySpec | undefined, TrafficPolicySpec | undefined, object]>([
  ['nothing set: the defaults', undefined, undefined, BASE],
  ['empty specs: the defaults', {}, {}, BASE],
  ['rule-wide load balancer', { loadBalancer: { simple: 'ROUND_ROBIN' } }, undefined, { ...BASE, loadBalancer: 'ROUND_ROBIN' }],
  ['subset load balancer wins', { loadBalancer: { simple: 'ROUND_ROBIN' } }, { loadBalancer: { simple: 'RANDOM' } }, { ...BASE, loadBalancer: 'RANDOM' }],
  ['subset-only load balancer', undefined, { loadBalancer: { simple: 'RANDOM' } }, { ...BASE, loadBalancer: 'RANDOM' }],
  ['an empty subset loadBalancer keeps the rule\'s', { loadBalancer: { simple: 'ROUND_ROBIN' } }, { loadBalancer: {} }, { ...BASE, loadBalancer: 'ROUND_ROBIN' }],
  ['connection pool, field by field',
    { connectionPool: { tcp: { maxConnections: 10, connectTimeoutMs: 500 } } },
    { connectionPool: { tcp: { connectTimeoutMs: 200, idleTimeoutMs: 0 } } },
    { ...BASE, maxConnections: 10, connectTimeoutMs: 200, idleTimeoutMs: 0 }],
  ['keepalive: given fields, Linux defaults for the rest', { connectionPool: { tcp: { tcpKeepalive: { timeMs: 30_000 } } } }, undefined,
    { ...BASE, tcpKeepalive: { ...KA_DEFAULTS, timeMs: 30_000 } }],
  ['keepalive with every field', { connectionPool: { tcp: { tcpKeepalive: { timeMs: 1000, intervalMs: 2000, probes: 3 } } } }, undefined,
    { ...BASE, tcpKeepalive: { timeMs: 1000, intervalMs: 2000, probes: 3 } }],
  ['empty keepalive: all Linux defaults', { connectionPool: { tcp: { tcpKeepalive: {} } } }, undefined, { ...BASE, tcpKeepalive: KA_DEFAULTS }],
  ['outlier detection: Envoy defaults for what is left out', { outlierDetection: { consecutiveErrors: 1 } }, undefined,
    { ...BASE, outlierDetection: { ...OD_DEFAULTS, consecutiveErrors: 1 } }],
  ['outlier detection on the subset only', undefined, { outlierDetection: { maxEjectionPercent: 50 } },
    { ...BASE, outlierDetection: { ...OD_DEFAULTS, maxEjectionPercent: 50 } }],
  ['outlier detection merged, subset winning', { outlierDetection: { consecutiveErrors: 2, intervalMs: 1000 } }, { outlierDetection: { intervalMs: 500, baseEjectionTimeMs: 60_000 } },
    { ...BASE, outlierDetection: { ...OD_DEFAULTS, consecutiveErrors: 2, intervalMs: 500, baseEjectionTimeMs: 60_000 } }],
  ['an undefined field does not hide a default', { outlierDetection: { consecutiveErrors: undefined, intervalMs: 100 } }, undefined,
    { ...BASE, outlierDetection: { ...OD_DEFAULTS, intervalMs: 100 } }],
])('%s', (_name, top, subset, want) => {
  expect(effectivePolicy(top, subset)).toEqual(want);
});

/** Effective traffic policy: DestinationRule top level, overridden field by field by the subset's. Pure. */
import type { TrafficPolicySpec } from '../manifest/types';
import { DEFAULT_POLICY, type Policy } from './types';

/** Envoy's outlier-detection defaults, used for fields an `outlierDetection` block leaves out. */
const OUTLIER_DEFAULTS = { consecutiveErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 };
/** Linux's keepalive defaults (net.ipv4.tcp_keepalive_*), used for fields `tcpKeepalive` leaves out. */
const KEEPALIVE_DEFAULTS = { timeMs: 7_200_000, intervalMs: 75_000, probes: 9 };

/** Returns the policy for a destination, given the rule-level and subset-level specs (either may be absent). */
export function effectivePolicy(top?: TrafficPolicySpec, subset?: TrafficPolicySpec): Policy {
  const tcp = { ...top?.connectionPool?.tcp, ...subset?.connectionPool?.tcp };
  // simple and consistentHash are one of: the subset's loadBalancer, when it says either, replaces the top one.
  const sub = subset?.loadBalancer;
  const lbSpec = sub?.simple !== undefined || sub?.consistentHash !== undefined ? sub : top?.loadBalancer;
  const lb = lbSpec?.consistentHash?.useSourceIp === true ? 'SOURCE_IP_HASH' : lbSpec?.simple;
  const keepalive = tcp.tcpKeepalive ? { ...KEEPALIVE_DEFAULTS, ...defined(tcp.tcpKeepalive) } : null;
  const od = top?.outlierDetection || subset?.outlierDetection
    ? { ...OUTLIER_DEFAULTS, ...defined(top?.outlierDetection ?? {}), ...defined(subset?.outlierDetection ?? {}) }
    : null;
  return {
    loadBalancer: lb ?? DEFAULT_POLICY.loadBalancer,
    connectTimeoutMs: tcp.connectTimeoutMs ?? DEFAULT_POLICY.connectTimeoutMs,
    idleTimeoutMs: tcp.idleTimeoutMs ?? DEFAULT_POLICY.idleTimeoutMs,
    maxConnectionDurationMs: tcp.maxConnectionDurationMs ?? DEFAULT_POLICY.maxConnectionDurationMs,
    maxConnections: tcp.maxConnections ?? DEFAULT_POLICY.maxConnections,
    tcpKeepalive: keepalive,
    outlierDetection: od,
    // A subset's proxyProtocol replaces the top-level one (Istio's MergeTrafficPolicy takes the subset's when set).
    proxyProtocol: (subset?.proxyProtocol ?? top?.proxyProtocol)?.version ?? DEFAULT_POLICY.proxyProtocol,
  };
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

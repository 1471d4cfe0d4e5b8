/** DestinationRule `trafficPolicy` reader (top level and per subset). Pure. */
import { Codes } from '../errors';
import { compact, INT32_MAX } from './fields';
import type { Obj } from './obj';
import type { SimpleLoadBalancer, TcpKeepaliveSpec, TrafficPolicySpec } from './types';

const LB_KINDS: readonly SimpleLoadBalancer[] = ['LEAST_REQUEST', 'ROUND_ROBIN', 'RANDOM'];
/** Istio's `UNSPECIFIED`: "an appropriate default" (tcpshift's LEAST_REQUEST), as if not written. */
const LB_UNSPECIFIED = 'UNSPECIFIED';
/** ClientTLSSettings.mode; left out is DISABLE (the proto's zero value). */
const TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;
const LB_ALIASES: Readonly<Record<string, SimpleLoadBalancer>> = { LEAST_CONN: 'LEAST_REQUEST' };
const PROXY_VERSIONS: readonly ('V1' | 'V2')[] = ['V1', 'V2'];
const NON_NEGATIVE = { min: 0, max: INT32_MAX };

const SECOND = 1000;
const HOUR = 3_600_000;
/**
 * Duration bounds (Istio sets none beyond "at least 1ms"; these keep every value inside the data
 * paths' timers and the kernel's limits). Node's timers hold at most 2^31-1 ms (24.8 days), so an idle
 * timeout stops at 24 days; Linux takes keepalive idle and interval times in whole seconds up to 32767
 * (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL) and at most 127 probes (MAX_TCP_KEEPCNT).
 */
export const DURATION_BOUNDS = {
  connectTimeout: { minMs: 1, maxMs: 24 * HOUR },
  idleTimeout: { minMs: 0, maxMs: 24 * 24 * HOUR },
  maxConnectionDuration: { minMs: 1, maxMs: 24 * 24 * HOUR },
  keepaliveTime: { minMs: SECOND, maxMs: 32_767 * SECOND, wholeSeconds: true },
  keepaliveInterval: { minMs: SECOND, maxMs: 32_767 * SECOND, wholeSeconds: true },
  outlierInterval: { minMs: 1, maxMs: 24 * HOUR },
  baseEjectionTime: { minMs: 1, maxMs: 24 * HOUR },
} as const;
const KEEPALIVE_PROBES = { min: 1, max: 127 };

type Policy = {
  -readonly [K in keyof TrafficPolicySpec]: TrafficPolicySpec[K];
};

/** The policy as written; parts tcpshift cannot apply are reported (warnings, or errors when bytes would differ). */
export function readTrafficPolicy(o: Obj): TrafficPolicySpec {
  const policy: Policy = {};
  const lb = o.obj('loadBalancer');
  if (lb) policy.loadBalancer = readLoadBalancer(lb);
  const pool = o.obj('connectionPool');
  if (pool) policy.connectionPool = readConnectionPool(pool);
  const od = o.obj('outlierDetection');
  if (od) policy.outlierDetection = readOutlierDetection(od);
  const tlsMode = readTls(o);
  if (tlsMode !== undefined) policy.tlsMode = tlsMode;
  o.unsupported('portLevelSettings', 'per-port policies are not applied; the top-level policy is used', 'warning');
  const pp = o.obj('proxyProtocol');
  if (pp) policy.proxyProtocol = readProxyProtocol(pp);
  o.unsupported('tunnel', 'tcpshift does not tunnel connections', 'error');
  o.done();
  return policy;
}

function readLoadBalancer(o: Obj): NonNullable<TrafficPolicySpec['loadBalancer']> {
  const written = o.get('simple');
  const simple = written?.value === LB_UNSPECIFIED ? undefined : o.enum('simple', LB_KINDS, LB_ALIASES);
  const ch = o.obj('consistentHash');
  const consistentHash = ch && readConsistentHash(ch);
  if (simple !== undefined && ch) {
    o.r.report(ch.path, Codes.FIELD_UNSUPPORTED, `${ch.path} is not supported together with ${o.at('simple')}: Istio takes one of the two`);
  }
  for (const key of ['localityLbSetting', 'warmupDurationSecs', 'warmup']) {
    o.unsupported(key, 'only loadBalancer.simple and consistentHash.useSourceIp are applied', 'warning');
  }
  o.done();
  return compact({ simple, consistentHash });
}

/** `consistentHash`: only `useSourceIp` means something for TCP; the other keys hash HTTP fields. */
function readConsistentHash(o: Obj): { useSourceIp: boolean } | undefined {
  const f = o.get('useSourceIp');
  let useSourceIp: boolean | undefined;
  if (f && typeof f.value !== 'boolean') o.r.report(f.path, Codes.FIELD_TYPE, `${f.path} must be a boolean`);
  else if (f) useSourceIp = f.value as boolean;
  for (const key of ['httpHeaderName', 'httpCookie', 'httpQueryParameterName']) {
    o.unsupported(key, 'only useSourceIp can hash a TCP connection', 'warning');
  }
  for (const key of ['ringHash', 'maglev', 'minimumRingSize']) {
    o.unsupported(key, 'tcpshift hashes by weighted rendezvous hashing (no ring to size)', 'warning');
  }
  o.done();
  if (useSourceIp !== true) {
    o.r.report(o.path, Codes.FIELD_UNSUPPORTED, `${o.path} is not supported without useSourceIp: true; the simple load balancer is used`, 'warning');
    return undefined;
  }
  return { useSourceIp };
}

function readConnectionPool(o: Obj): NonNullable<TrafficPolicySpec['connectionPool']> {
  const t = o.obj('tcp');
  o.unsupported('http', 'HTTP connection pool settings do not apply to TCP; ignored', 'warning');
  o.done();
  if (!t) return {};
  // validateConnectionPool: 0 is the proto default, i.e. not set (unlimited).
  const maxConnections = t.int('maxConnections', NON_NEGATIVE) || undefined;
  const connectTimeoutMs = t.duration('connectTimeout', DURATION_BOUNDS.connectTimeout);
  const idleTimeoutMs = t.duration('idleTimeout', DURATION_BOUNDS.idleTimeout);
  const ka = t.obj('tcpKeepalive');
  const tcpKeepalive = ka && readKeepalive(ka);
  const maxConnectionDurationMs = t.duration('maxConnectionDuration', DURATION_BOUNDS.maxConnectionDuration);
  t.done();
  return { tcp: compact({ maxConnections, connectTimeoutMs, idleTimeoutMs, tcpKeepalive, maxConnectionDurationMs }) };
}

function readKeepalive(o: Obj): TcpKeepaliveSpec {
  const probes = o.int('probes', KEEPALIVE_PROBES);
  const timeMs = o.duration('time', DURATION_BOUNDS.keepaliveTime);
  const intervalMs = o.duration('interval', DURATION_BOUNDS.keepaliveInterval);
  o.done();
  return compact({ probes, timeMs, intervalMs });
}

function readOutlierDetection(o: Obj): NonNullable<TrafficPolicySpec['outlierDetection']> {
  const fiveXx = o.int('consecutive5xxErrors', NON_NEGATIVE);
  const gateway = o.int('consecutiveGatewayErrors', NON_NEGATIVE);
  const set = [fiveXx, gateway].filter((n): n is number => n !== undefined);
  const consecutiveErrors = set.length > 0 ? Math.min(...set) : undefined;
  const intervalMs = o.duration('interval', DURATION_BOUNDS.outlierInterval);
  const baseEjectionTimeMs = o.duration('baseEjectionTime', DURATION_BOUNDS.baseEjectionTime);
  const maxEjectionPercent = o.int('maxEjectionPercent', { min: 0, max: 100 });
  for (const key of ['minHealthPercent', 'splitExternalLocalOriginErrors', 'consecutiveLocalOriginFailures']) {
    o.unsupported(key, 'every failed connect counts as one consecutive error', 'warning');
  }
  o.done();
  return compact({ consecutiveErrors, intervalMs, baseEjectionTimeMs, maxEjectionPercent });
}

/** `proxyProtocol.version` V1 or V2 (FIELD_ENUM otherwise); left out it is V1, Istio's default (the enum's zero value). */
function readProxyProtocol(o: Obj): NonNullable<TrafficPolicySpec['proxyProtocol']> | undefined {
  const f = o.get('version');
  const version = f === undefined ? 'V1' : o.enum('version', PROXY_VERSIONS);
  o.done();
  return version === undefined ? undefined : { version };
}

/**
 * `tls.mode`: DISABLE (also when left out) is what tcpshift does anyway; another mode would originate TLS,
 * which tcpshift cannot. It is returned, not reported: the model makes it an error only where a route
 * served here uses it (src/model/tls-origination.ts), a warning elsewhere.
 */
function readTls(o: Obj): TrafficPolicySpec['tlsMode'] {
  const tls = o.obj('tls');
  if (!tls) return undefined;
  const written = tls.get('mode');
  const mode = tls.enum('mode', TLS_MODES);
  tls.ignore(...tls.keys());
  return written ? mode : 'DISABLE';
}

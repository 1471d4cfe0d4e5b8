/**
 * The routing table: what the proxy serves. Built whole by `compile()` (src/model/compile.ts),
 * deeply frozen, and swapped in by one assignment. Pure JSON-safe data; runtime state (pickers,
 * counters) lives in the proxy, keyed by the `key` fields below.
 */
import type { LoadBalancerKind } from '../manifest/types';
import type { CompiledRolloutPolicy } from '../rollout/policy';

/** A backend address as dialled. */
export interface Endpoint {
  /** `address:port`, stable across tables: runtime state (active connections, ejections) is keyed by it. */
  readonly key: string;
  /** IP address, DNS name, or `unix:///path` (a Unix domain socket; port 0): see src/model/socket-key.ts. */
  readonly address: string;
  readonly port: number;
  /** Relative weight inside its subset (ServiceEntry endpoint `weight`, default 1). */
  readonly weight: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** The effective traffic policy of one destination (DestinationRule top level merged with its subset's). */
export interface Policy {
  readonly loadBalancer: LoadBalancerKind;
  readonly connectTimeoutMs: number;
  /** 0 = no idle timeout. */
  readonly idleTimeoutMs: number;
  /** `connectionPool.tcp.maxConnectionDuration`: older connections are closed; 0 = off. */
  readonly maxConnectionDurationMs: number;
  /** null = unlimited. */
  readonly maxConnections: number | null;
  /** null = keepalive off. */
  readonly tcpKeepalive: { readonly timeMs: number; readonly intervalMs: number; readonly probes: number } | null;
  /** null = no outlier detection. */
  readonly outlierDetection: {
    readonly consecutiveErrors: number;
    readonly intervalMs: number;
    readonly baseEjectionTimeMs: number;
    readonly maxEjectionPercent: number;
  } | null;
  /** `trafficPolicy.proxyProtocol.version`: a PROXY protocol header is sent to the endpoint before the first byte; null = none. */
  readonly proxyProtocol: 'V1' | 'V2' | null;
}

/** One weighted destination of a route: a subset of a service on one port. */
export interface Destination {
  /** `host|subset|port`, unique within a route. */
  readonly key: string;
  /** The ServiceEntry host as resolved (e.g. `tcp-echo`). */
  readonly host: string;
  /** Subset name, or null for the whole service. */
  readonly subset: string | null;
  /** Service port number the route targets. */
  readonly port: number;
  /** Relative weight as written (a lone destination without a weight gets 1). */
  readonly weight: number;
  /** Share of new connections, 0–100, rounded to 2 decimals. */
  readonly percent: number;
  /** Metric labels: `destination_service` and `destination_version`. */
  readonly service: string;
  readonly version: string;
  readonly policy: Policy;
  /** Endpoints selected by the subset's labels; never empty when weight > 0. */
  readonly endpoints: readonly Endpoint[];
}

/** The TCP rule that a listener's connections take. */
export interface Route {
  /** `namespace/name` of the VirtualService. */
  readonly virtualService: string;
  /** Index of the rule in the VirtualService's `tcp` list (its `tls` list when `section` is `tls`). */
  readonly rule: number;
  /** The Gateway API route this is (`virtualService` is then its `namespace/name`, `rule` its rule); absent = a VirtualService. */
  readonly kind?: 'TCPRoute' | 'TLSRoute';
  /** `tls`: the rule is one of the VirtualService's `tls[]` rules; absent: a `tcp[]` rule. */
  readonly section?: 'tls';
  /** In written order; zero-weight destinations are kept (for status) but never picked. */
  readonly destinations: readonly Destination[];
  /** What happens to open connections and how clients are placed (from a RolloutPolicy); absent = DEFAULT_CONNECTION_POLICY. */
  readonly connections?: ConnectionPolicy;
}

/**
 * Whether a route's open connections follow its weights, and whether clients stay on their
 * version. Absent (or `rebalance: false`), a weight change never touches an open connection.
 */
export interface ConnectionPolicy {
  /** Close idle connections on over-share destinations until the active split is within tolerance. */
  readonly rebalance: boolean;
  /** Rebalance closes per listener per second, at most (drainAfter closes are not capped). */
  readonly maxClosesPerSecond: number;
  /** Only connections that moved no byte either way for this long are closed by rebalancing. */
  readonly closeWhenIdleForMs: number;
  /** A destination at weight 0 (or gone from the route) has every remaining connection closed after this; 0 = never. */
  readonly drainAfterMs: number;
  /** `sourceIP`: the subset is picked from a hash of the client address (monotone in the weights). */
  readonly stickiness: 'none' | 'sourceIP';
}

/** One listening socket. */
export interface Listener {
  /** `address:port` (IPv6 addresses in brackets). */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** `namespace/name` of the Gateway, and the server's port name. */
  readonly gateway: string;
  readonly portName: string;
  /** TCP: the route of every connection. An entry of a TLS socket (`tls`): the route of the connections its `sni` matches. */
  readonly route: Route;
  /**
   * TLS passthrough: the SNI names this entry serves (lower-case; exact, or `*.suffix`), from Istio
   * `tls[].match[].sniHosts` or a TLSRoute's `hostnames`. Absent on TCP listeners and on the
   * fallback entry of a TLS socket (a rule without sniHosts). Several entries share one socket:
   * src/model/socket-key.ts says which, and how their keys are formed.
   */
  readonly sni?: readonly string[];
  /** Set on every entry of a socket that routes by SNI (its connections' ClientHello is read first). */
  readonly tls?: true;
  /** Gateway annotation `tcpshift.io/accept-proxy-protocol: "true"`: every connection starts with a PROXY v1/v2 header, read and removed. */
  readonly acceptProxyProtocol?: true;
}

/** The whole routing table, in listener-key order. */
export interface RoutingTable {
  readonly listeners: readonly Listener[];
  /** The commit's RolloutPolicies (absent when it has none); the proxy ignores them, the reconciler walks by them. */
  readonly rollouts?: readonly CompiledRolloutPolicy[];
}

/** Options that shape compilation (from CLI flags). */
export interface CompileOptions {
  /** Labels of this proxy; a Gateway's selector must be a subset of them (or empty). */
  readonly gatewayLabels: Readonly<Record<string, string>>;
  /** Address a listener binds when its server has no `bind`. */
  readonly listenHost: string;
  /** The Gateway API `gatewayClassName` this proxy serves (`--gateway-class`); absent = DEFAULT_GATEWAY_CLASS. */
  readonly gatewayClass?: string;
}

/** The GatewayClass served when `--gateway-class` is not given: Istio's, so Istio's samples run unchanged. */
export const DEFAULT_GATEWAY_CLASS = 'istio';

export const DEFAULT_COMPILE_OPTIONS: CompileOptions = Object.freeze({
  gatewayLabels: Object.freeze({ istio: 'ingressgateway' }),
  listenHost: '0.0.0.0',
});

/** Policy used when no DestinationRule says otherwise (Istio / Envoy defaults). */
export const DEFAULT_POLICY: Policy = Object.freeze({
  loadBalancer: 'LEAST_REQUEST',
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 3_600_000,
  maxConnectionDurationMs: 0,
  maxConnections: null,
  tcpKeepalive: null,
  outlierDetection: null,
  proxyProtocol: null,
});

/** What a route without a `connections` policy does: nothing to open connections, no stickiness. */
export const DEFAULT_CONNECTION_POLICY: ConnectionPolicy = Object.freeze({
  rebalance: false,
  maxClosesPerSecond: 10,
  closeWhenIdleForMs: 1000,
  drainAfterMs: 300_000,
  stickiness: 'none',
});

/**
 * Typed Istio resources as read from YAML, each carrying the file positions of its fields.
 * Produced by `parseManifests` (src/manifest/parse.ts); consumed by the model. Pure data, JSON-safe.
 */
import type { KubernetesGatewaySpec, L4RouteSpec, ReferenceGrantSpec } from './gateway-api-types';
import type { EndpointSliceSpec, KubeServiceSpec, WorkloadEntrySpec } from './workload-types';

/** One entry of a commit's tree (or a folder) handed to the parser by a source. */
export interface ManifestFile {
  /** Path relative to the repository (or folder) root, `/`-separated. */
  readonly path: string;
  readonly type: 'file' | 'symlink' | 'submodule';
  /** Size in bytes as the source saw it. */
  readonly size: number;
  /** The bytes; absent when the source did not read them (symlink, submodule, or over the size cap). */
  readonly content?: Uint8Array;
  /** What identifies the content: the git blob id, or a content hash (`--dir`); the parse cache's key with the path. */
  readonly id?: string;
}

/** Limits applied while reading a tree. */
export interface ReadLimits {
  /** Per file, bytes (default 1 MiB). */
  readonly maxFileBytes: number;
  /** Per commit, bytes over all manifest files (default 16 MiB). */
  readonly maxTotalBytes: number;
  /** Per commit, YAML documents over all files (default MAX_DOCUMENTS in parse.ts); more is COMMIT_TOO_COMPLEX. */
  readonly maxDocuments?: number;
}

export const DEFAULT_LIMITS: ReadLimits = Object.freeze({ maxFileBytes: 1 << 20, maxTotalBytes: 16 << 20 });

/** Kinds tcpshift understands: Istio's (networking.istio.io), Kubernetes' Service and EndpointSlice, and its own (tcpshift.io). */
export type Kind = 'Gateway' | 'VirtualService' | 'DestinationRule' | 'ServiceEntry' | 'WorkloadEntry' | 'Service' | 'EndpointSlice' | GatewayApiKind | TcpshiftKind;
export const KINDS: readonly Kind[] = ['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry', 'Service', 'EndpointSlice', 'WorkloadEntry', 'KubernetesGateway', 'TCPRoute', 'TLSRoute', 'ReferenceGrant', 'RolloutPolicy'];
/** Gateway API kinds (gateway.networking.k8s.io); its Gateway is `KubernetesGateway` here (gateway-api-types.ts). */
export type GatewayApiKind = 'KubernetesGateway' | 'TCPRoute' | 'TLSRoute' | 'ReferenceGrant';
/** The kinds of networking.istio.io that tcpshift reads. */
export const ISTIO_KINDS: readonly Kind[] = ['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry'];
export const ISTIO_GROUP = 'networking.istio.io';
export const ISTIO_VERSIONS: readonly string[] = ['v1', 'v1beta1', 'v1alpha3'];
/** tcpshift's own kinds, in group tcpshift.io. */
export type TcpshiftKind = 'RolloutPolicy';
export const TCPSHIFT_KINDS: readonly TcpshiftKind[] = ['RolloutPolicy'];
export const TCPSHIFT_GROUP = 'tcpshift.io';
export const TCPSHIFT_VERSIONS: readonly string[] = ['v1alpha1'];

/** `[line, col]`, both 1-based. */
export type LineCol = readonly [number, number];

export interface Metadata {
  readonly name: string;
  /** `default` when not written. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Fields every resource has. */
export interface ResourceBase<K extends Kind, S> {
  readonly kind: K;
  readonly apiVersion: string;
  readonly metadata: Metadata;
  readonly spec: S;
  /** File the document came from, and where the document starts. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /**
   * Position of every field that was read, keyed by its dotted path from the document root,
   * e.g. `spec.tcp[0].route[1].weight`. Use `locate()` to find the nearest known position.
   */
  readonly positions: Readonly<Record<string, LineCol>>;
  /** The document as written (plain JSON), for `tcpshift get -o yaml`. */
  readonly raw: unknown;
}

// ---------- Gateway ----------
export interface GatewayServer {
  /** Index in the written `servers` list (for positions). */
  readonly index: number;
  readonly port: { readonly number: number; readonly name: string; readonly protocol: string };
  readonly bind?: string;
  /** As written: `host`, or `namespace/host` (namespace `*`: any; `.`: the Gateway's). */
  readonly hosts: readonly string[];
  /** A `TLS` (or `HTTPS`) server with `tls.mode: PASSTHROUGH`: its connections are routed by SNI (VirtualService `tls[]`). */
  readonly passthrough?: true;
}
export interface GatewaySpec {
  readonly selector: Readonly<Record<string, string>>;
  /** Only the TCP servers; others were skipped with SERVER_SKIPPED. */
  readonly servers: readonly GatewayServer[];
  /** How many servers were written, TCP or not (0 → GATEWAY_NO_SERVERS). */
  readonly serverCount: number;
  /** Annotation `tcpshift.io/accept-proxy-protocol: "true"`: every connection to its servers starts with a PROXY header. */
  readonly acceptProxyProtocol?: true;
}
export type Gateway = ResourceBase<'Gateway', GatewaySpec>;

// ---------- VirtualService ----------
export interface L4Match {
  readonly port?: number;
  readonly gateways?: readonly string[];
}
export interface RouteDestination {
  readonly index: number;
  readonly destination: { readonly host: string; readonly subset?: string; readonly port?: number };
  /** As written; absent means "not set" (a lone destination takes all). */
  readonly weight?: number;
}
export interface TcpRoute {
  readonly index: number;
  readonly match: readonly L4Match[];
  readonly route: readonly RouteDestination[];
}
/** One `tls[].match[]` block: the SNI names (lower-cased, as written otherwise) and the L4 fields. */
export interface TlsMatch extends L4Match {
  readonly index: number;
  /** Never empty (Istio requires sniHosts); `*` matches every connection, with or without SNI. */
  readonly sniHosts: readonly string[];
}
/** A `tls[]` rule: TLS passthrough connections whose SNI one of its matches names. */
export interface TlsRoute {
  readonly index: number;
  readonly match: readonly TlsMatch[];
  readonly route: readonly RouteDestination[];
}
export interface VirtualServiceSpec {
  readonly hosts: readonly string[];
  /** As written; empty means `mesh` only (no gateway). */
  readonly gateways: readonly string[];
  readonly tcp: readonly TcpRoute[];
  /** TLS passthrough rules (served on Gateway servers with `tls.mode: PASSTHROUGH`); absent when none are written. */
  readonly tls?: readonly TlsRoute[];
}
export type VirtualService = ResourceBase<'VirtualService', VirtualServiceSpec>;

// ---------- DestinationRule ----------
/** `loadBalancer.simple` as tcpshift applies it. */
export type SimpleLoadBalancer = 'LEAST_REQUEST' | 'ROUND_ROBIN' | 'RANDOM';
/** How an endpoint is picked inside a subset: a simple balancer, or `consistentHash.useSourceIp` (SOURCE_IP_HASH). */
export type LoadBalancerKind = SimpleLoadBalancer | 'SOURCE_IP_HASH';
export interface TcpKeepaliveSpec {
  readonly probes?: number;
  readonly timeMs?: number;
  readonly intervalMs?: number;
}
export interface TrafficPolicySpec {
  /** `simple` and `consistentHash` are one of (Istio's oneof); only `useSourceIp` hashing is applied. */
  readonly loadBalancer?: { readonly simple?: SimpleLoadBalancer; readonly consistentHash?: { readonly useSourceIp: boolean } };
  readonly connectionPool?: {
    readonly tcp?: {
      readonly maxConnections?: number;
      readonly connectTimeoutMs?: number;
      /** 0 = off. */
      readonly idleTimeoutMs?: number;
      readonly tcpKeepalive?: TcpKeepaliveSpec;
      /** Connections older than this are closed. */
      readonly maxConnectionDurationMs?: number;
    };
  };
  /** `tls.mode` (DISABLE when `tls` leaves it out); one that originates TLS is an error where a served route uses it. */
  readonly tlsMode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
  readonly outlierDetection?: {
    /** consecutive5xxErrors / consecutiveGatewayErrors: for TCP, consecutive connect failures. */
    readonly consecutiveErrors?: number;
    readonly intervalMs?: number;
    readonly baseEjectionTimeMs?: number;
    readonly maxEjectionPercent?: number;
  };
  /** `proxyProtocol.version` (Istio's default, when `version` is left out, is V1). */
  readonly proxyProtocol?: { readonly version: 'V1' | 'V2' };
}
export interface Subset {
  readonly index: number;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly trafficPolicy?: TrafficPolicySpec;
}
export interface DestinationRuleSpec {
  readonly host: string;
  readonly trafficPolicy?: TrafficPolicySpec;
  readonly subsets: readonly Subset[];
}
export type DestinationRule = ResourceBase<'DestinationRule', DestinationRuleSpec>;

// ---------- ServiceEntry ----------
export interface ServicePort {
  readonly index: number;
  readonly number: number;
  readonly name: string;
  readonly protocol?: string;
  readonly targetPort?: number;
}
export interface WorkloadEntry {
  readonly index: number;
  readonly address: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Relative load-balancing weight inside a subset; default 1. */
  readonly weight?: number;
}
export interface ServiceEntrySpec {
  readonly hosts: readonly string[];
  readonly ports: readonly ServicePort[];
  /** DNS_ROUND_ROBIN is read as DNS (at most one endpoint; names are resolved when dialled either way). */
  readonly resolution: 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE';
  readonly endpoints: readonly WorkloadEntry[];
  /** `workloadSelector.labels`: the WorkloadEntries of the namespace it takes its endpoints from. */
  readonly workloadSelector?: Readonly<Record<string, string>>;
}
export type ServiceEntry = ResourceBase<'ServiceEntry', ServiceEntrySpec>;

// ---------- RolloutPolicy (tcpshift.io/v1alpha1) ----------
export interface RolloutWebhookSpec {
  readonly index: number;
  readonly name: string;
  readonly url: string;
  readonly timeoutMs?: number;
}
export interface RolloutPrometheusSpec {
  readonly index: number;
  readonly name: string;
  readonly address: string;
  readonly query: string;
  readonly min?: number;
  readonly max?: number;
}
export interface RolloutAnalysisSpec {
  readonly intervalMs?: number;
  readonly threshold?: number;
  readonly minConnections?: number;
  readonly maxConnectFailurePercent?: number;
  readonly maxFailedPercent?: number;
  readonly webhooks: readonly RolloutWebhookSpec[];
  readonly prometheus: readonly RolloutPrometheusSpec[];
}
/** How open connections follow a weight change (issue 10; the mechanics live in the proxy). */
export interface RolloutConnectionsSpec {
  readonly rebalance?: boolean;
  readonly maxClosesPerSecond?: number;
  readonly closeWhenIdleForMs?: number;
  readonly drainAfterMs?: number;
}
export interface RolloutPolicySpec {
  /** Names of governed VirtualServices (same namespace); absent = every VirtualService of the namespace. */
  readonly targetRefs?: readonly { readonly index: number; readonly name: string }[];
  /** Percent of the shift done at each step (strictly increasing, 1–99; 100 is implied); absent = at once. */
  readonly steps?: readonly number[];
  readonly stepDurationMs?: number;
  readonly analysis?: RolloutAnalysisSpec;
  readonly connections?: RolloutConnectionsSpec;
  readonly stickiness?: 'sourceIP';
}
export type RolloutPolicy = ResourceBase<'RolloutPolicy', RolloutPolicySpec>;

/** Istio's WorkloadEntry: one workload outside Kubernetes (its address, ports and labels). */
export type WorkloadEntryResource = ResourceBase<'WorkloadEntry', WorkloadEntrySpec>;
/** A Kubernetes Service (v1): a name, ports, and a selector over WorkloadEntry labels. */
export type KubeService = ResourceBase<'Service', KubeServiceSpec>;
/** A Kubernetes EndpointSlice (discovery.k8s.io/v1): explicit endpoints of a Service. */
export type EndpointSlice = ResourceBase<'EndpointSlice', EndpointSliceSpec>;

/** Gateway API resources (gateway.networking.k8s.io). */
export type KubernetesGateway = ResourceBase<'KubernetesGateway', KubernetesGatewaySpec>;
export type TCPRouteResource = ResourceBase<'TCPRoute', L4RouteSpec>;
export type TLSRouteResource = ResourceBase<'TLSRoute', L4RouteSpec>;
export type ReferenceGrant = ResourceBase<'ReferenceGrant', ReferenceGrantSpec>;
export type GatewayApiResource = KubernetesGateway | TCPRouteResource | TLSRouteResource | ReferenceGrant;

export type Resource = Gateway | VirtualService | DestinationRule | ServiceEntry | WorkloadEntryResource | KubeService | EndpointSlice | GatewayApiResource | RolloutPolicy;

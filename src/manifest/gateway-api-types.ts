/**
 * Typed Gateway API resources (gateway.networking.k8s.io): Gateway, TCPRoute, TLSRoute, ReferenceGrant.
 * Pure data, JSON-safe (see types.ts for the resource base). The Gateway is kind `KubernetesGateway`
 * inside tcpshift (as in Istio's own code), so it never mixes with Istio's networking.istio.io Gateway.
 */

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** `allowedRoutes.namespaces.from`: `Selector` is read but not supported (there are no Namespace objects in a repo). */
export type RouteNamespaces = 'Same' | 'All' | 'Selector';

/** One listener of a Gateway that tcpshift serves (TCP, or TLS passthrough). */
export interface GatewayListener {
  /** Index in the written `listeners` list (for positions). */
  readonly index: number;
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'TLS';
  /** Lower-case; exact or `*.suffix`. */
  readonly hostname?: string;
  /** Route kinds it accepts (`allowedRoutes.kinds`, group gateway.networking.k8s.io); absent = the protocol's default. */
  readonly kinds?: readonly string[];
  readonly namespaces: RouteNamespaces;
}

export interface KubernetesGatewaySpec {
  readonly gatewayClassName: string;
  /** The listeners tcpshift serves; HTTP, HTTPS and UDP ones were skipped (SERVER_SKIPPED). */
  readonly listeners: readonly GatewayListener[];
  /** Every listener name as written, with its index (for the route's sectionName checks). */
  readonly listenerNames: readonly { readonly index: number; readonly name: string; readonly port?: number }[];
  /** `spec.addresses[].value` of type IPAddress: the addresses its listeners bind (none = `--listen-host`). */
  readonly addresses: readonly string[];
}

/** `parentRefs[]`: a Gateway (and optionally one of its listeners) a route attaches to. */
export interface ParentRef {
  readonly index: number;
  readonly name: string;
  /** Absent = the route's namespace. */
  readonly namespace?: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** `rules[].backendRefs[]`: a Service and port, with a weight. */
export interface BackendRef {
  readonly index: number;
  readonly name: string;
  /** Absent = the route's namespace. */
  readonly namespace?: string;
  /** `group/kind` as written (`''`/`Service` by default); only core Services are backends here. */
  readonly group: string;
  readonly kind: string;
  readonly port?: number;
  /** Default 1; 0 takes no connection. */
  readonly weight: number;
}

export interface RouteRule {
  readonly index: number;
  readonly backendRefs: readonly BackendRef[];
}

/** TCPRoute and TLSRoute share this shape; a TCPRoute has no hostnames. */
export interface L4RouteSpec {
  readonly parentRefs: readonly ParentRef[];
  /** Lower-case SNI names (exact or `*.suffix`); TLSRoute only. */
  readonly hostnames: readonly string[];
  readonly rules: readonly RouteRule[];
}

/** `from[]` of a ReferenceGrant: who may refer into its namespace. */
export interface GrantFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}
/** `to[]`: what may be referred to (`name` absent = every resource of that kind). */
export interface GrantTo {
  readonly group: string;
  readonly kind: string;
  readonly name?: string;
}
export interface ReferenceGrantSpec {
  readonly from: readonly GrantFrom[];
  readonly to: readonly GrantTo[];
}

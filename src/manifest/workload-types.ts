/**
 * Typed resources that say where workloads run: Istio's WorkloadEntry, Kubernetes' Service and
 * EndpointSlice. Pure data, JSON-safe (see types.ts for the resource base).
 */

// ---------- WorkloadEntry (networking.istio.io) ----------
export interface WorkloadEntrySpec {
  /** IP address, DNS name, or `unix:///path` (a Unix socket workload: port 0). */
  readonly address: string;
  /** Port name → port number on the workload. */
  readonly ports: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Relative load-balancing weight; default 1; 0 takes no connection. */
  readonly weight?: number;
  /** `region/zone/subzone`, as written (read and shown; not used for picking yet). */
  readonly locality?: string;
}

// ---------- Service (v1) ----------
export interface KubeServicePort {
  /** Index in the written `ports` list (for positions). */
  readonly index: number;
  /** `''` when not written (allowed for a lone port). */
  readonly name: string;
  readonly port: number;
  /** A port number, or the name of a port in the workload's `ports`; absent means `port`. */
  readonly targetPort?: number | string;
  /** `appProtocol`, when written (Istio reads the protocol from it). */
  readonly appProtocol?: string;
}
export interface KubeServiceSpec {
  /** Absent: the Service has no selector (endpoints come from EndpointSlices only). */
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: readonly KubeServicePort[];
}

// ---------- EndpointSlice (discovery.k8s.io/v1) ----------
export interface SliceEndpoint {
  readonly index: number;
  readonly addresses: readonly string[];
  /** `conditions.ready`; absent means ready (as in Kubernetes). */
  readonly ready: boolean;
}
export interface SlicePort {
  readonly index: number;
  /** `''` when not written. */
  readonly name: string;
  readonly port: number;
}
export interface EndpointSliceSpec {
  /** The `kubernetes.io/service-name` label: the Service these endpoints belong to. */
  readonly serviceName?: string;
  readonly endpoints: readonly SliceEndpoint[];
  readonly ports: readonly SlicePort[];
}

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

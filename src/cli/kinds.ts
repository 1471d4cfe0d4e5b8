/** kubectl-style kind names (`vs`, `virtualservices`, `gw`, …) → the kind. Pure. */
import type { Kind } from '../manifest/types';

const ALIASES: Readonly<Record<string, Kind>> = {
  virtualservice: 'VirtualService', virtualservices: 'VirtualService', vs: 'VirtualService',
  gateway: 'Gateway', gateways: 'Gateway', gw: 'Gateway',
  destinationrule: 'DestinationRule', destinationrules: 'DestinationRule', dr: 'DestinationRule',
  serviceentry: 'ServiceEntry', serviceentries: 'ServiceEntry', se: 'ServiceEntry',
  workloadentry: 'WorkloadEntry', workloadentries: 'WorkloadEntry', we: 'WorkloadEntry',
  service: 'Service', services: 'Service', svc: 'Service',
  endpointslice: 'EndpointSlice', endpointslices: 'EndpointSlice',
  rolloutpolicy: 'RolloutPolicy', rolloutpolicies: 'RolloutPolicy',
  // Gateway API: `gateway`/`gw` stay Istio's Gateway (what they named before tcpshift read the Gateway API, and what
  // the walkthrough's `get` steps mean); the Gateway API's is `gtw` (its kubectl short name) or `gateway.gateway.networking.k8s.io`.
  gtw: 'KubernetesGateway', kubernetesgateway: 'KubernetesGateway', kubernetesgateways: 'KubernetesGateway',
  tcproute: 'TCPRoute', tcproutes: 'TCPRoute', tlsroute: 'TLSRoute', tlsroutes: 'TLSRoute',
  referencegrant: 'ReferenceGrant', referencegrants: 'ReferenceGrant', refgrant: 'ReferenceGrant',
};

/** Names of group gateway.networking.k8s.io (written with the group suffix): there `gateway` is the Gateway API's. */
const GATEWAY_API_ALIASES: Readonly<Record<string, Kind>> = {
  gateway: 'KubernetesGateway', gateways: 'KubernetesGateway',
  tcproute: 'TCPRoute', tcproutes: 'TCPRoute', tlsroute: 'TLSRoute', tlsroutes: 'TLSRoute',
  referencegrant: 'ReferenceGrant', referencegrants: 'ReferenceGrant',
};
const GATEWAY_API_SUFFIX = '.gateway.networking.k8s.io';

/** Returns the kind for a kubectl-style name (case-insensitive, `.networking.istio.io`, `.discovery.k8s.io` or `.tcpshift.io` suffix allowed), or null. */
export function kindOf(name: string): Kind | null {
  const lower = name.toLowerCase();
  if (lower.endsWith(GATEWAY_API_SUFFIX)) {
    const k = lower.slice(0, -GATEWAY_API_SUFFIX.length);
    return Object.hasOwn(GATEWAY_API_ALIASES, k) ? GATEWAY_API_ALIASES[k] ?? null : null;
  }
  const key = name.toLowerCase().replace(/\.(networking\.istio\.io|discovery\.k8s\.io|tcpshift\.io)$/, '');
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] ?? null : null;
}

/** Every accepted spelling, for error messages. */
export const KIND_NAMES = [...Object.keys(ALIASES), ...Object.keys(GATEWAY_API_ALIASES).map((k) => `${k}${GATEWAY_API_SUFFIX}`)];

/** How kubectl names a resource of `kind` in `-o name` output (`tcproute.gateway.networking.k8s.io/tcp-echo`). */
export function resourceName(kind: string, name: string): string {
  if (kind === 'KubernetesGateway') return `gateway${GATEWAY_API_SUFFIX}/${name}`;
  if (kind === 'TCPRoute' || kind === 'TLSRoute' || kind === 'ReferenceGrant') return `${kind.toLowerCase()}${GATEWAY_API_SUFFIX}/${name}`;
  return `${kind.toLowerCase()}/${name}`;
}

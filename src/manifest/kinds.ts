/** Where each kind tcpshift reads lives: its API group and versions. Pure. */
import { GATEWAY_API_GROUP } from './gateway-api-types';
import { ISTIO_GROUP, ISTIO_VERSIONS, type Kind } from './types';

/** A kind's API group (`''` is Kubernetes' core group), its known versions, and whether its fields are top level (no `spec`). */
export interface KindApi {
  readonly group: string;
  readonly versions: readonly string[];
  readonly topLevel?: boolean;
  /** The kind inside tcpshift, when it differs from the written one (the Gateway API's Gateway is `KubernetesGateway`). */
  readonly kind?: Kind;
}

const ISTIO: KindApi = { group: ISTIO_GROUP, versions: ISTIO_VERSIONS };
const APIS: ReadonlyMap<string, KindApi> = new Map<Kind, KindApi>([
  ['Gateway', ISTIO], ['VirtualService', ISTIO], ['DestinationRule', ISTIO], ['ServiceEntry', ISTIO], ['WorkloadEntry', ISTIO],
  ['Service', { group: '', versions: ['v1'] }],
  ['EndpointSlice', { group: 'discovery.k8s.io', versions: ['v1'], topLevel: true }],
]);

/** The Gateway API kinds tcpshift reads, by their written name (HTTPRoute, GRPCRoute, UDPRoute, GatewayClass… are skipped). */
const GATEWAY_APIS: ReadonlyMap<string, KindApi> = new Map<string, KindApi>([
  ['Gateway', { group: GATEWAY_API_GROUP, versions: ['v1', 'v1beta1'], kind: 'KubernetesGateway' }],
  ['TCPRoute', { group: GATEWAY_API_GROUP, versions: ['v1alpha2'] }],
  ['TLSRoute', { group: GATEWAY_API_GROUP, versions: ['v1alpha2'] }],
  ['ReferenceGrant', { group: GATEWAY_API_GROUP, versions: ['v1beta1', 'v1alpha2'] }],
]);

/** The API of `kind` written with API group `group` (absent: the kind's usual group), or undefined when tcpshift does not read it. */
export function kindApi(kind: string, group?: string): KindApi | undefined {
  if (group === GATEWAY_API_GROUP) return GATEWAY_APIS.get(kind);
  return APIS.get(kind);
}

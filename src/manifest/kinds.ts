/** Where each kind tcpshift reads lives: its API group and versions. Pure. */
import { ISTIO_GROUP, ISTIO_VERSIONS, type Kind } from './types';

/** A kind's API group (`''` is Kubernetes' core group), its known versions, and whether its fields are top level (no `spec`). */
export interface KindApi {
  readonly group: string;
  readonly versions: readonly string[];
  readonly topLevel?: boolean;
}

const ISTIO: KindApi = { group: ISTIO_GROUP, versions: ISTIO_VERSIONS };
const APIS: ReadonlyMap<string, KindApi> = new Map<Kind, KindApi>([
  ['Gateway', ISTIO], ['VirtualService', ISTIO], ['DestinationRule', ISTIO], ['ServiceEntry', ISTIO], ['WorkloadEntry', ISTIO],
  ['Service', { group: '', versions: ['v1'] }],
  ['EndpointSlice', { group: 'discovery.k8s.io', versions: ['v1'], topLevel: true }],
]);

/** The API of `kind`, or undefined when tcpshift does not read it. */
export function kindApi(kind: string): KindApi | undefined {
  return APIS.get(kind);
}

/** The Gateway API status of a revision's resources, judged as compile() judges them (for `tcpshift get … -o yaml`). Pure. */
import type { Diagnostic } from '../errors';
import type { DestinationRule, EndpointSlice, KubeService, Resource, ServiceEntry, WorkloadEntryResource } from '../manifest/types';
import { compileGatewayApi } from './gateway-api';
import type { GatewayStatus, RouteStatus } from './gateway-api-status';
import { indexServices } from './services';
import type { CompileOptions } from './types';

/** Every route's `status.parents[]` and every served Gateway's `status`. */
export function judgeGatewayApi(resources: readonly Resource[], opts: CompileOptions): { readonly routes: readonly RouteStatus[]; readonly gateways: readonly GatewayStatus[] } {
  if (!resources.some((r) => r.kind === 'TCPRoute' || r.kind === 'TLSRoute' || r.kind === 'KubernetesGateway')) return { routes: [], gateways: [] };
  const ignored: Diagnostic[] = [];
  const of = <K extends Resource['kind']>(k: K) => resources.filter((r): r is Extract<Resource, { kind: K }> => r.kind === k);
  const index = indexServices({
    serviceEntries: of('ServiceEntry') as ServiceEntry[], kubeServices: of('Service') as KubeService[],
    entries: of('WorkloadEntry') as WorkloadEntryResource[], slices: of('EndpointSlice') as EndpointSlice[],
  }, of('DestinationRule') as DestinationRule[], ignored);
  const r = compileGatewayApi(resources, index, [], opts, ignored);
  return { routes: r.statuses, gateways: r.gateways };
}

/** Every TCPRoute's and TLSRoute's `status.parents[]`, in kind then `namespace/name` order. */
export function routeStatuses(resources: readonly Resource[], opts: CompileOptions): readonly RouteStatus[] {
  return judgeGatewayApi(resources, opts).routes;
}

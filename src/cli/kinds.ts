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
};

/** Returns the kind for a kubectl-style name (case-insensitive, `.networking.istio.io`, `.discovery.k8s.io` or `.tcpshift.io` suffix allowed), or null. */
export function kindOf(name: string): Kind | null {
  const key = name.toLowerCase().replace(/\.(networking\.istio\.io|discovery\.k8s\.io|tcpshift\.io)$/, '');
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] ?? null : null;
}

/** Every accepted spelling, for error messages. */
export const KIND_NAMES = Object.keys(ALIASES);

/** kubectl-style names of the Gateway API kinds: `gtw` and the group suffix for its Gateway, `gateway`/`gw` still Istio's. */
import { kindOf, KIND_NAMES, resourceName } from '../../src/cli/kinds';

test.each([
  ['gtw', 'KubernetesGateway'], ['gateway.gateway.networking.k8s.io', 'KubernetesGateway'], ['Gateways.Gateway.Networking.K8s.io', 'KubernetesGateway'],
  ['gateway', 'Gateway'], ['gw', 'Gateway'], ['gateway.networking.istio.io', 'Gateway'],
  ['tcproute', 'TCPRoute'], ['tcproutes.gateway.networking.k8s.io', 'TCPRoute'], ['tlsroute', 'TLSRoute'], ['TLSRoutes', 'TLSRoute'],
  ['referencegrant', 'ReferenceGrant'], ['refgrant', 'ReferenceGrant'], ['referencegrants.gateway.networking.k8s.io', 'ReferenceGrant'],
  ['httproute', null], ['constructor.gateway.networking.k8s.io', null], ['__proto__.gateway.networking.k8s.io', null], ['virtualservice.gateway.networking.k8s.io', null],
])('%s → %s', (name, kind) => {
  expect(kindOf(name)).toBe(kind);
});

test('-o name spells Gateway API resources as kubectl does', () => {
  expect(resourceName('KubernetesGateway', 'gw')).toBe('gateway.gateway.networking.k8s.io/gw');
  expect(resourceName('TCPRoute', 'tcp-echo')).toBe('tcproute.gateway.networking.k8s.io/tcp-echo');
  expect(resourceName('VirtualService', 'tcp-echo')).toBe('virtualservice/tcp-echo');
  expect(KIND_NAMES).toEqual(expect.arrayContaining(['gtw', 'tcproute', 'gateway.gateway.networking.k8s.io']));
});

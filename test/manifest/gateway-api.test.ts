/** Gateway API readers: Gateway (v1/v1beta1), TCPRoute and TLSRoute (v1alpha2), ReferenceGrant — every field's codes, with positions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Codes } from '../../src/errors';
import { parseManifests } from '../../src/manifest/parse';
import { errors, file, parseOne, where } from './util';

const SAMPLES = join(__dirname, '..', 'fixtures', 'manifest', 'istio-samples');

/** A gateway.networking.k8s.io document; spec starts on line 6. */
function gwapi(kind: string, spec: string, version = kind === 'Gateway' ? 'v1' : kind === 'ReferenceGrant' ? 'v1beta1' : 'v1alpha2', name = 'x'): string {
  return `apiVersion: gateway.networking.k8s.io/${version}\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
const listener = (extra: string, protocol = 'TCP') => `  gatewayClassName: istio\n  listeners:\n  - name: l\n    port: 31400\n    protocol: ${protocol}\n${extra}`;

test('the seed\'s Gateway API samples read unchanged: a KubernetesGateway, two Services and TCPRoutes with weights', () => {
  const files = ['gateway-api-tcp-echo-all-v1.yaml', 'gateway-api-tcp-echo-20-v2.yaml'].map((f) => file(f, readFileSync(join(SAMPLES, f))));
  const { resources, diagnostics } = parseManifests(files);
  expect(diagnostics).toEqual([]);
  expect(resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual([
    'TCPRoute/tcp-echo', 'KubernetesGateway/tcp-echo-gateway', 'Service/tcp-echo-v1', 'Service/tcp-echo-v2', 'TCPRoute/tcp-echo',
  ]);
  const gw = resources[1]!;
  expect(gw.spec).toEqual({
    gatewayClassName: 'istio', addresses: [],
    listeners: [{ index: 0, name: 'tcp-31400', port: 31400, protocol: 'TCP', kinds: ['TCPRoute'], namespaces: 'Same' }],
    listenerNames: [{ index: 0, name: 'tcp-31400', port: 31400 }],
  });
  expect(resources[0]!.spec).toEqual({
    parentRefs: [{ index: 0, name: 'tcp-echo-gateway', sectionName: 'tcp-31400' }], hostnames: [],
    rules: [{ index: 0, backendRefs: [
      { index: 0, name: 'tcp-echo-v1', group: '', kind: 'Service', port: 9000, weight: 80 },
      { index: 1, name: 'tcp-echo-v2', group: '', kind: 'Service', port: 9000, weight: 20 },
    ] }],
  });
});

test('a TLS passthrough listener, addresses, allowedRoutes.namespaces All; a TLSRoute with hostnames', () => {
  const gw = parseOne(gwapi('Gateway', `  gatewayClassName: istio\n  addresses:\n  - value: 127.0.0.1\n  - {type: IPAddress, value: "::1"}\n  listeners:\n  - name: tls\n    port: 8443\n    protocol: TLS\n    hostname: "*.example.com"\n    tls: {mode: Passthrough}\n    allowedRoutes: {namespaces: {from: All}}\n`, 'v1beta1'));
  expect(gw.diagnostics).toEqual([]);
  expect(gw.resources[0]!.spec).toMatchObject({ addresses: ['127.0.0.1', '::1'], listeners: [{ protocol: 'TLS', hostname: '*.example.com', namespaces: 'All' }] });
  const route = parseOne(gwapi('TLSRoute', '  parentRefs: [{name: gw, namespace: edge, sectionName: tls, port: 8443}]\n  hostnames: [a.example.com, "*.b.example.com"]\n  rules:\n  - backendRefs: [{name: svc, namespace: apps, port: 443, weight: 0}]\n'));
  expect(route.diagnostics).toEqual([]);
  expect(route.resources[0]!.spec).toEqual({
    parentRefs: [{ index: 0, name: 'gw', namespace: 'edge', sectionName: 'tls', port: 8443 }],
    hostnames: ['a.example.com', '*.b.example.com'],
    rules: [{ index: 0, backendRefs: [{ index: 0, name: 'svc', namespace: 'apps', group: '', kind: 'Service', port: 443, weight: 0 }] }],
  });
});

test('allowedRoutes.kinds: [] means the protocol\'s default kind; a list of only foreign kinds allows none', () => {
  const empty = parseOne(gwapi('Gateway', listener('    allowedRoutes: {kinds: []}\n')));
  expect([empty.diagnostics, empty.resources[0]!.spec]).toEqual([[], expect.objectContaining({ listeners: [expect.not.objectContaining({ kinds: expect.anything() })] })]);
  const foreign = parseOne(gwapi('Gateway', listener('    allowedRoutes: {kinds: [{kind: UDPRoute}]}\n')));
  expect(foreign.resources[0]!.spec).toMatchObject({ listeners: [{ kinds: [] }] });
});

test('a ReferenceGrant reads from and to', () => {
  const g = parseOne(gwapi('ReferenceGrant', '  from:\n  - {group: gateway.networking.k8s.io, kind: TCPRoute, namespace: a}\n  to:\n  - {group: "", kind: Service}\n  - {group: "", kind: Service, name: db}\n'));
  expect(g.diagnostics).toEqual([]);
  expect(g.resources[0]!.spec).toEqual({
    from: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute', namespace: 'a' }],
    to: [{ group: '', kind: 'Service' }, { group: '', kind: 'Service', name: 'db' }],
  });
});

/** [what, document, expected `code@line:col` of every diagnostic]. */
const CASES: [string, string, string[]][] = [
  ['gatewayClassName missing', gwapi('Gateway', '  listeners:\n  - {name: l, port: 1, protocol: TCP}\n'), ['FIELD_REQUIRED@5:1']],
  ['listeners missing', gwapi('Gateway', '  gatewayClassName: istio\n'), ['FIELD_REQUIRED@5:1']],
  ['listeners empty', gwapi('Gateway', '  gatewayClassName: istio\n  listeners: []\n'), ['FIELD_REQUIRED@7:3']],
  ['listener name not a section name', gwapi('Gateway', '  gatewayClassName: istio\n  listeners:\n  - {name: Tcp_1, port: 1, protocol: TCP}\n'), ['FIELD_NAME@8:6']],
  ['two listeners named alike', gwapi('Gateway', '  gatewayClassName: istio\n  listeners:\n  - {name: l, port: 1, protocol: TCP}\n  - {name: l, port: 2, protocol: TCP}\n'), ['DUPLICATE_LISTENER_NAME@9:6']],
  ['listener port out of range', gwapi('Gateway', '  gatewayClassName: istio\n  listeners:\n  - {name: l, port: 70000, protocol: TCP}\n'), ['PORT_RANGE@8:15']],
  ['listener port missing', gwapi('Gateway', '  gatewayClassName: istio\n  listeners:\n  - {name: l, protocol: TCP}\n'), ['FIELD_REQUIRED@8:5']],
  ['HTTP listener skipped', gwapi('Gateway', listener('', 'HTTP')), ['SERVER_SKIPPED@8:5']],
  ['HTTPS listener skipped', gwapi('Gateway', listener('', 'HTTPS')), ['SERVER_SKIPPED@8:5']],
  ['UDP listener skipped', gwapi('Gateway', listener('', 'UDP')), ['SERVER_SKIPPED@8:5']],
  ['unknown protocol', gwapi('Gateway', listener('', 'TPC')), ['UNKNOWN_PROTOCOL@10:5']],
  ['lower-case tcp is not the Gateway API\'s TCP', gwapi('Gateway', listener('', 'tcp')), ['UNKNOWN_PROTOCOL@10:5']],
  ['hostname on a TCP listener ignored', gwapi('Gateway', listener('    hostname: a.example.com\n')), ['FIELD_UNKNOWN@11:5']],
  ['tls on a TCP listener', gwapi('Gateway', listener('    tls: {mode: Passthrough}\n')), ['FIELD_UNSUPPORTED@11:5']],
  ['TLS listener without tls', gwapi('Gateway', listener('', 'TLS')), ['FIELD_REQUIRED@8:5']],
  ['TLS Terminate', gwapi('Gateway', listener('    tls: {mode: Terminate}\n', 'TLS')), ['TLS_TERMINATE_UNSUPPORTED@11:11']],
  ['TLS mode left to its default (Terminate)', gwapi('Gateway', listener('    tls: {certificateRefs: [{name: c}]}\n', 'TLS')), ['TLS_TERMINATE_UNSUPPORTED@11:5']],
  ['TLS mode not an enum value', gwapi('Gateway', listener('    tls: {mode: PASSTHROUGH}\n', 'TLS')), ['FIELD_ENUM@11:11']],
  ['TLS hostname not a hostname', gwapi('Gateway', listener('    hostname: "10.0.0.1"\n    tls: {mode: Passthrough}\n', 'TLS')), ['FIELD_HOSTNAME@11:5']],
  ['TLS hostname with a wildcard inside', gwapi('Gateway', listener('    hostname: "a.*.com"\n    tls: {mode: Passthrough}\n', 'TLS')), ['FIELD_HOSTNAME@11:5']],
  ['allowedRoutes.namespaces.from Selector', gwapi('Gateway', listener('    allowedRoutes:\n      namespaces:\n        from: Selector\n        selector: {matchLabels: {a: b}}\n')), ['FIELD_UNSUPPORTED@13:9']],
  ['allowedRoutes.namespaces.from not an enum value', gwapi('Gateway', listener('    allowedRoutes: {namespaces: {from: Any}}\n')), ['FIELD_ENUM@11:34']],
  ['allowedRoutes.kinds of another protocol', gwapi('Gateway', listener('    allowedRoutes: {kinds: [{kind: TLSRoute}]}\n')), ['FIELD_UNSUPPORTED@11:29']],
  ['allowedRoutes.kinds without kind', gwapi('Gateway', listener('    allowedRoutes: {kinds: [{group: gateway.networking.k8s.io}]}\n')), ['FIELD_REQUIRED@11:29']],
  ['addresses of type Hostname', gwapi('Gateway', '  gatewayClassName: istio\n  addresses: [{type: Hostname, value: gw.example.com}]\n  listeners:\n  - {name: l, port: 1, protocol: TCP}\n'), ['FIELD_UNSUPPORTED@7:16']],
  ['addresses value not an IP', gwapi('Gateway', '  gatewayClassName: istio\n  addresses: [{value: gw.example.com}]\n  listeners:\n  - {name: l, port: 1, protocol: TCP}\n'), ['FIELD_ADDRESS@7:16']],
  ['unknown listener field', gwapi('Gateway', listener('    portt: 1\n')), ['FIELD_UNKNOWN@11:5']],
  ['unknown Gateway version', gwapi('Gateway', listener(''), 'v1alpha1'), ['UNKNOWN_API_VERSION@1:1']],
  ['HTTPRoute skipped', gwapi('HTTPRoute', '  rules: []\n', 'v1'), ['KIND_SKIPPED@2:1']],
  ['GatewayClass skipped', gwapi('GatewayClass', '  controllerName: istio.io/gateway-controller\n', 'v1'), ['KIND_SKIPPED@2:1']],
  ['TCPRoute v1 is not a version', gwapi('TCPRoute', '  rules: []\n', 'v1'), ['UNKNOWN_API_VERSION@1:1']],
  ['TCPRoute rules missing', gwapi('TCPRoute', '  parentRefs: [{name: gw}]\n'), ['FIELD_REQUIRED@5:1']],
  ['TCPRoute two rules', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{name: a, port: 1}]\n  - backendRefs: [{name: b, port: 1}]\n'), ['FIELD_UNSUPPORTED@8:5']],
  ['TCPRoute rule without backendRefs', gwapi('TCPRoute', '  rules:\n  - {}\n'), ['FIELD_REQUIRED@7:5']],
  ['backendRef without port', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{name: a}]\n'), ['FIELD_REQUIRED@7:19']],
  ['backendRef without name', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{port: 1}]\n'), ['FIELD_REQUIRED@7:19']],
  ['backendRef weight negative', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{name: a, port: 1, weight: -1}]\n'), ['FIELD_RANGE@7:38']],
  ['backendRef weight over the maximum', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{name: a, port: 1, weight: 1000001}]\n'), ['FIELD_RANGE@7:38']],
  ['backendRef namespace not a label', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{name: a, namespace: A_B, port: 1}]\n'), ['FIELD_NAME@7:29']],
  ['backendRef filters are not a TCPRoute field', gwapi('TCPRoute', '  rules:\n  - backendRefs: [{name: a, port: 1, filters: []}]\n'), ['FIELD_UNKNOWN@7:38']],
  ['parentRef without name', gwapi('TCPRoute', '  parentRefs: [{sectionName: l}]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['FIELD_REQUIRED@6:16']],
  ['parentRef of kind Service (mesh)', gwapi('TCPRoute', '  parentRefs: [{group: "", kind: Service, name: a}]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['FIELD_UNSUPPORTED@6:16']],
  ['parentRef port out of range', gwapi('TCPRoute', '  parentRefs: [{name: gw, port: 0}]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['PORT_RANGE@6:27']],
  ['parentRef sectionName not a section name', gwapi('TCPRoute', '  parentRefs: [{name: gw, sectionName: "L 1"}]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['FIELD_NAME@6:27']],
  ['hostnames on a TCPRoute', gwapi('TCPRoute', '  hostnames: [a.example.com]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['FIELD_UNKNOWN@6:3']],
  ['TLSRoute hostname an IP', gwapi('TLSRoute', '  hostnames: ["10.1.1.1"]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['FIELD_HOSTNAME@6:15']],
  ['TLSRoute hostname upper case', gwapi('TLSRoute', '  hostnames: [A.example.com]\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n'), ['FIELD_HOSTNAME@6:15']],
  ['ReferenceGrant from without namespace', gwapi('ReferenceGrant', '  from: [{group: gateway.networking.k8s.io, kind: TCPRoute}]\n  to: [{group: "", kind: Service}]\n'), ['FIELD_REQUIRED@6:10']],
  ['ReferenceGrant to without group', gwapi('ReferenceGrant', '  from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: a}]\n  to: [{kind: Service}]\n'), ['FIELD_REQUIRED@7:8']],
  ['ReferenceGrant without to', gwapi('ReferenceGrant', '  from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: a}]\n'), ['FIELD_REQUIRED@5:1']],
];

test.each(CASES)('%s', (_what, doc, expected) => {
  const { diagnostics } = parseOne(doc);
  expect(where(diagnostics)).toEqual(expected);
});

test('a listener\'s problems are all reported at once', () => {
  const doc = gwapi('Gateway', '  gatewayClassName: istio\n  listeners:\n  - {name: a, port: 1, protocol: TLS, hostname: "1.2.3.4", tls: {mode: Terminate}}\n  - {name: a, port: 0, protocol: TCP}\n');
  expect(errors(parseOne(doc).diagnostics).map((d) => d.code).sort()).toEqual(
    [Codes.DUPLICATE_LISTENER_NAME, Codes.FIELD_HOSTNAME, Codes.PORT_RANGE, Codes.TLS_TERMINATE_UNSUPPORTED].sort());
});

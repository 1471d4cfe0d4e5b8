/** Gateway API → the routing table: listeners, TCP and TLS (SNI) entries, backends, ReferenceGrants, classes, clashes, status. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceDocument } from '../../src/cli/demo-steps';
import { buildDesired, type Desired } from '../../src/model/desired';
import { judgeGatewayApi, routeStatuses } from '../../src/model/gateway-api-judge';
import type { CompileOptions, RoutingTable } from '../../src/model/types';
import { exampleManifests, manifestFiles } from '../helpers/manifests';

const FORM = join(__dirname, '..', 'fixtures', 'gateway-api-form');
const OPTS: CompileOptions = { gatewayLabels: { istio: 'ingressgateway' }, listenHost: '0.0.0.0' };

/** The fixture's manifests (and, `eighty`, after the 80/20 step). */
function formFiles(eighty = false): Record<string, string> {
  const dir = join(FORM, 'manifests');
  const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  if (eighty) files['gateway-api-tcp-echo-all-v1.yaml'] = readFileSync(join(FORM, 'steps', '20-v2', 'gateway-api-tcp-echo-all-v1.yaml'), 'utf8');
  return files;
}

const GW = (listeners: string, extra = '', name = 'gw', ns = 'default', cls = 'istio') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: ${cls}
${extra}  listeners:
${listeners}`;
const TCP = (port = 7400, name = 'tcp', extra = '') => `  - {name: ${name}, port: ${port}, protocol: TCP${extra}}\n`;
const TLS = (port = 7443, name = 'tls', hostname = '', extra = '') => `  - {name: ${name}, port: ${port}, protocol: TLS, tls: {mode: Passthrough}${hostname ? `, hostname: "${hostname}"` : ''}${extra}}\n`;
const ROUTE = (kind: 'TCPRoute' | 'TLSRoute', name: string, parents: string, backends: string, hostnames = '', ns = 'default') => `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: ${kind}
metadata: {name: ${name}, namespace: ${ns}}
spec:
  parentRefs: ${parents}
${hostnames ? `  hostnames: ${hostnames}\n` : ''}  rules:
  - backendRefs: ${backends}
`;
const SVC = (name = 'echo', ns = 'default', version = 'v1', port = 9000) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}, version: ${version}}
  ports: [{name: tcp, port: ${port}}]
`;
const WE = (app = 'echo', ns = 'default', version = 'v1', port = 7001) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${app}-${version}-${port}, namespace: ${ns}}
spec:
  address: 127.0.0.1
  ports: {tcp: ${port}}
  labels: {app: ${app}, version: ${version}}
`;
const GRANT = (ns: string, fromNs: string, kind = 'TCPRoute', to = '{group: "", kind: Service}') => `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: ${ns}}
spec:
  from: [{group: gateway.networking.k8s.io, kind: ${kind}, namespace: ${fromNs}}]
  to: [${to}]
`;

function build(docs: string[], opts: CompileOptions = OPTS): Desired {
  return buildDesired(manifestFiles({ 'm.yaml': docs.join('---\n') }), opts);
}
function table(d: Desired): RoutingTable {
  if (!d.ok) throw new Error(`not ok: ${d.diagnostics.map((x) => `${x.code}@${x.line}:${x.col} ${x.message}`).join('; ')}`);
  return d.table;
}
const codes = (d: Desired) => d.diagnostics.filter((x) => x.code !== 'KIND_SKIPPED').map((x) => `${x.severity}:${x.code}`);
const summary = (t: RoutingTable) => t.listeners.map((l) => `${l.key} ${l.route.kind ?? 'VS'} ${l.route.virtualService} ${l.route.destinations.map((d) => `${d.host}:${d.port}=${d.percent}% [${d.endpoints.map((e) => e.key).join(',')}] v=${d.version}`).join(' ')}`);

describe('the seed\'s Gateway API variant, unchanged', () => {
  test('all-v1: one listener on 31400, everything to tcp-echo-v1 (127.0.0.1:9000); 80/20 after the step', () => {
    const one = buildDesired(manifestFiles(formFiles()));
    expect(summary(table(one))).toEqual(['0.0.0.0:31400 TCPRoute default/tcp-echo tcp-echo-v1:9000=100% [127.0.0.1:9000] v=v1']);
    expect(one.diagnostics.map((d) => d.code)).toEqual(['KIND_SKIPPED', 'KIND_SKIPPED']);
    const l = table(one).listeners[0]!;
    expect([l.gateway, l.portName, l.tls, l.sni]).toEqual(['default/tcp-echo-gateway', 'tcp-31400', undefined, undefined]);
    expect(summary(table(buildDesired(manifestFiles(formFiles(true)))))).toEqual([
      '0.0.0.0:31400 TCPRoute default/tcp-echo tcp-echo-v1:9000=80% [127.0.0.1:9000] v=v1 tcp-echo-v2:9000=20% [127.0.0.1:9001] v=v2',
    ]);
  });

  test('the step file is the all-v1 file with the TCPRoute replaced by the 80/20 sample', () => {
    const read = (...p: string[]) => readFileSync(join(FORM, ...p), 'utf8');
    expect(read('steps', '20-v2', 'gateway-api-tcp-echo-all-v1.yaml'))
      .toBe(replaceDocument(read('manifests', 'gateway-api-tcp-echo-all-v1.yaml'), 'TCPRoute', read('steps', 'gateway-api-tcp-echo-20-v2.yaml')));
  });

  test('committing both samples is DUPLICATE_RESOURCE (one TCPRoute tcp-echo, edited, not added twice)', () => {
    const files = { ...formFiles(), 'gateway-api-tcp-echo-20-v2.yaml': readFileSync(join(FORM, 'steps', 'gateway-api-tcp-echo-20-v2.yaml'), 'utf8') };
    expect(codes(buildDesired(manifestFiles(files)))).toContain('error:DUPLICATE_RESOURCE');
  });

  test('Istio and Gateway API forms in one repo: one table; the same port in both is LISTENER_CONFLICT', () => {
    const istio = exampleManifests();
    const both = { ...istio, 'gw-api.yaml': formFiles()['gateway-api-tcp-echo-all-v1.yaml']!.replace(/31400/g, '31500') };
    const t = table(buildDesired(manifestFiles(both)));
    expect(t.listeners.map((l) => `${l.key} ${l.route.kind ?? 'VirtualService'}`)).toEqual(['0.0.0.0:31400 VirtualService', '0.0.0.0:31500 TCPRoute']);
    const clash = buildDesired(manifestFiles({ ...istio, 'gw-api.yaml': formFiles()['gateway-api-tcp-echo-all-v1.yaml']! }));
    expect(codes(clash)).toContain('error:LISTENER_CONFLICT');
    expect(clash.diagnostics.find((d) => d.code === 'LISTENER_CONFLICT')).toMatchObject({ file: 'gw-api.yaml', line: 10, col: 5 });
  });
});

/** [what, documents, expected codes (KIND_SKIPPED left out)] */
const CASES: [string, string[], string[]][] = [
  ['another gatewayClassName: skipped with a warning; its routes are not judged', [GW(TCP(), '', 'gw', 'default', 'other'), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()],
    ['warning:GATEWAY_CLASS_SKIPPED']],
  ['parentRef naming no Gateway', [ROUTE('TCPRoute', 'r', '[{name: nope}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:UNKNOWN_GATEWAY']],
  ['an Istio Gateway is not a Gateway API parent', [`apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  servers: [{port: {number: 1, name: tcp, protocol: TCP}, hosts: ["*"]}]\n`, ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()],
    ['error:UNKNOWN_GATEWAY', 'warning:LISTENER_NO_ROUTE']],
  ['sectionName naming no listener', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw, sectionName: nope}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:NO_MATCHING_PARENT', 'warning:LISTENER_NO_ROUTE']],
  ['port naming no listener', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw, port: 1}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:NO_MATCHING_PARENT', 'warning:LISTENER_NO_ROUTE']],
  ['a TCPRoute on a TLS listener: NotAllowedByListeners', [GW(TLS()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['warning:NOT_ALLOWED_BY_LISTENERS', 'warning:LISTENER_NO_ROUTE']],
  ['a route of another namespace, from: Same (the default)', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw, namespace: default}]', '[{name: echo, port: 9000}]', '', 'apps'), SVC('echo', 'apps'), WE('echo', 'apps')],
    ['warning:NOT_ALLOWED_BY_LISTENERS', 'warning:LISTENER_NO_ROUTE']],
  ['a listener whose allowedRoutes.kinds left only a foreign kind', [GW(TCP(7400, 'tcp', ', allowedRoutes: {kinds: [{kind: HTTPRoute}]}')), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()],
    ['warning:FIELD_UNSUPPORTED', 'warning:NOT_ALLOWED_BY_LISTENERS', 'warning:LISTENER_NO_ROUTE']],
  ['a route attached to a skipped HTTP listener by sectionName: NotAllowedByListeners', [GW(`${TCP()}  - {name: web, port: 80, protocol: HTTP}\n`), ROUTE('TCPRoute', 'r', '[{name: gw, sectionName: tcp}]', '[{name: echo, port: 9000}]'), ROUTE('TCPRoute', 'web', '[{name: gw, sectionName: web}]', '[{name: echo, port: 9000}]'), SVC(), WE()],
    ['warning:SERVER_SKIPPED', 'warning:NOT_ALLOWED_BY_LISTENERS']],
  ['backend naming no Service', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: nope, port: 9000}]')], ['error:BACKEND_NOT_FOUND', 'warning:LISTENER_NO_ROUTE']],
  ['a ServiceEntry host is not a Service backend', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'),
    `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se}\nspec:\n  hosts: [echo.default.svc.cluster.local]\n  ports: [{number: 9000, name: tcp}]\n  resolution: STATIC\n  endpoints: [{address: 127.0.0.1}]\n`],
    ['error:BACKEND_NOT_FOUND', 'warning:LISTENER_NO_ROUTE']],
  ['backend of another kind', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000, group: networking.istio.io, kind: Hostname}]')], ['error:INVALID_BACKEND_KIND', 'warning:LISTENER_NO_ROUTE']],
  ['backend port not on the Service', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9001}]'), SVC(), WE()], ['error:UNKNOWN_PORT', 'warning:LISTENER_NO_ROUTE']],
  ['backend Service selecting nothing', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC()], ['error:EMPTY_SUBSET', 'warning:LISTENER_NO_ROUTE']],
  ['weights adding up to 0', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000, weight: 0}]'), SVC(), WE()], ['error:WEIGHT_ZERO_TOTAL', 'warning:LISTENER_NO_ROUTE']],
  ['one Service listed twice', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}, {name: echo, port: 9000}]'), SVC(), WE()], ['error:DUPLICATE_DESTINATION', 'warning:LISTENER_NO_ROUTE']],
  ['a backend in another namespace without a ReferenceGrant', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'), SVC('echo', 'apps'), WE('echo', 'apps')],
    ['error:REF_NOT_PERMITTED', 'warning:LISTENER_NO_ROUTE']],
  ['a ReferenceGrant for TLSRoutes does not let a TCPRoute in', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'), SVC('echo', 'apps'), WE('echo', 'apps'), GRANT('apps', 'default', 'TLSRoute')],
    ['error:REF_NOT_PERMITTED', 'warning:LISTENER_NO_ROUTE']],
  ['a ReferenceGrant naming another Service does not let it in', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'), SVC('echo', 'apps'), WE('echo', 'apps'), GRANT('apps', 'default', 'TCPRoute', '{group: "", kind: Service, name: db}')],
    ['error:REF_NOT_PERMITTED', 'warning:LISTENER_NO_ROUTE']],
  ['a ReferenceGrant in the route\'s own namespace does not count', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'), SVC('echo', 'apps'), WE('echo', 'apps'), GRANT('default', 'default')],
    ['error:REF_NOT_PERMITTED', 'warning:LISTENER_NO_ROUTE']],
  ['two TCPRoutes on one TCP listener', [GW(TCP()), ROUTE('TCPRoute', 'a', '[{name: gw}]', '[{name: echo, port: 9000}]'), ROUTE('TCPRoute', 'b', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:ROUTE_CONFLICT']],
  ['two TLSRoutes with one hostname', [GW(TLS()), ROUTE('TLSRoute', 'a', '[{name: gw}]', '[{name: echo, port: 9000}]', '[a.example.com]'), ROUTE('TLSRoute', 'b', '[{name: gw}]', '[{name: echo, port: 9000}]', '[b.example.com, a.example.com]'), SVC(), WE()], ['error:ROUTE_CONFLICT']],
  ['two TLSRoutes without hostnames (two fallbacks)', [GW(TLS()), ROUTE('TLSRoute', 'a', '[{name: gw}]', '[{name: echo, port: 9000}]'), ROUTE('TLSRoute', 'b', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:ROUTE_CONFLICT']],
  ['TLSRoute hostnames meeting no listener hostname', [GW(TLS(7443, 'tls', '*.example.com')), ROUTE('TLSRoute', 'a', '[{name: gw}]', '[{name: echo, port: 9000}]', '[a.example.org]'), SVC(), WE()], ['warning:NO_MATCHING_LISTENER_HOSTNAME', 'warning:LISTENER_NO_ROUTE']],
  ['two Gateways on one port', [GW(TCP()), GW(TCP(), '', 'gw2'), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:LISTENER_CONFLICT']],
  ['two TCP listeners of one Gateway on one port', [GW(`${TCP(7400, 'a')}${TCP(7400, 'b')}`), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:LISTENER_CONFLICT']],
  ['two TLS listeners of one Gateway with one hostname', [GW(`${TLS(7443, 'a', 'a.example.com')}${TLS(7443, 'b', 'a.example.com')}`), ROUTE('TLSRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['error:LISTENER_CONFLICT']],
  ['a Gateway on 127.0.0.1 and one on 127.0.0.2, same port: no clash', [GW(TCP(), '  addresses: [{value: 127.0.0.1}]\n'), GW(TCP(), '  addresses: [{value: 127.0.0.2}]\n', 'gw2'), ROUTE('TCPRoute', 'r', '[{name: gw}, {name: gw2}]', '[{name: echo, port: 9000}]'), SVC(), WE()], []],
  ['a route without parentRefs', [ROUTE('TCPRoute', 'r', '[]', '[{name: echo, port: 9000}]'), SVC(), WE()], ['warning:RULE_UNREACHABLE']],
];

test.each(CASES)('%s', (_what, docs, expected) => {
  expect(codes(build(docs)).sort()).toEqual([...expected].sort());
});

describe('TLS passthrough by SNI', () => {
  const docs = (extra: string[] = []) => [
    GW(`${TLS(7443, 'tls')}${TLS(7443, 'wild', '*.example.com')}`),
    ROUTE('TLSRoute', 'a', '[{name: gw, sectionName: tls}]', '[{name: a, port: 9000}]', '[a.example.org, "*.b.example.org"]'),
    ROUTE('TLSRoute', 'wild', '[{name: gw, sectionName: wild}]', '[{name: b, port: 9000}]'),
    ROUTE('TLSRoute', 'z-fallback', '[{name: gw, sectionName: tls}]', '[{name: c, port: 9000}]'),
    SVC('a'), WE('a', 'default', 'v1', 7001), SVC('b'), WE('b', 'default', 'v1', 7002), SVC('c', 'default', 'v3'), WE('c', 'default', 'v3', 7003), ...extra,
  ];

  test('one socket: an entry per SNI route (sni, tls: true), the listener hostname inherited, and the fallback entry', () => {
    const t = table(build(docs()));
    expect(t.listeners.map((l) => [l.key, l.sni, l.tls, l.portName, l.route.kind, l.route.virtualService, l.route.destinations[0]?.endpoints[0]?.key])).toEqual([
      ['0.0.0.0:7443', undefined, true, 'tls', 'TLSRoute', 'default/z-fallback', '127.0.0.1:7003'],
      ['0.0.0.0:7443 sni=*.example.com', ['*.example.com'], true, 'wild', 'TLSRoute', 'default/wild', '127.0.0.1:7002'],
      ['0.0.0.0:7443 sni=a.example.org', ['a.example.org', '*.b.example.org'], true, 'tls', 'TLSRoute', 'default/a', '127.0.0.1:7001'],
    ]);
  });

  test('route hostnames narrow a wildcard listener hostname; a narrower wildcard listener narrows a route\'s', () => {
    const t = table(build([GW(`${TLS(7443, 'wild', '*.example.com')}`), ROUTE('TLSRoute', 'a', '[{name: gw}]', '[{name: a, port: 9000}]', '[x.example.com, "*.com", y.example.org]'), SVC('a'), WE('a')]));
    expect(t.listeners.map((l) => l.sni)).toEqual([['x.example.com', '*.example.com']]);
  });
});

describe('addresses, classes and the version label', () => {
  test('spec.addresses bind each listener on each address; without them --listen-host', () => {
    const t = table(build([GW(TCP(), '  addresses: [{value: 127.0.0.1}, {value: "::1"}]\n'), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()]));
    expect(t.listeners.map((l) => l.key).sort()).toEqual(['127.0.0.1:7400', '[::1]:7400']);
    const host = table(build([GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], { ...OPTS, listenHost: '127.0.0.9' }));
    expect(host.listeners.map((l) => l.key)).toEqual(['127.0.0.9:7400']);
  });

  test('--gateway-class picks which Gateways are served', () => {
    const docs = [GW(TCP(), '', 'gw', 'default', 'edge'), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()];
    expect(table(build(docs, { ...OPTS, gatewayClass: 'edge' })).listeners.map((l) => l.key)).toEqual(['0.0.0.0:7400']);
    const skipped = build(docs);
    expect(skipped.diagnostics.find((d) => d.code === 'GATEWAY_CLASS_SKIPPED')?.message).toContain('"edge"');
  });

  test('a cross-namespace backend with a ReferenceGrant; workloads of mixed versions carry the Service name as version', () => {
    const t = table(build([GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'),
      SVC('echo', 'apps').replace(', version: v1', ''), WE('echo', 'apps', 'v1', 7001), WE('echo', 'apps', 'v2', 7002), GRANT('apps', 'default')]));
    expect(summary(t)).toEqual(['0.0.0.0:7400 TCPRoute default/r echo.apps:9000=100% [127.0.0.1:7001,127.0.0.1:7002] v=echo']);
  });

  test('a cross-namespace parentRef is allowed by from: All', () => {
    const t = table(build([GW(TCP(7400, 'tcp', ', allowedRoutes: {namespaces: {from: All}}'), '', 'gw', 'edge'), ROUTE('TCPRoute', 'r', '[{name: gw, namespace: edge}]', '[{name: echo, port: 9000}]', '', 'apps'), SVC('echo', 'apps'), WE('echo', 'apps')]));
    expect(t.listeners.map((l) => [l.key, l.gateway, l.route.virtualService])).toEqual([['0.0.0.0:7400', 'edge/gw', 'apps/r']]);
  });
});

describe('route status (status.parents[].conditions)', () => {
  const judge = (docs: string[]) => {
    const parsed = buildDesired(manifestFiles({ 'm.yaml': docs.join('---\n') }), OPTS);
    return routeStatuses(parsed.resources, OPTS);
  };
  const conds = (s: ReturnType<typeof judge>) => s.map((r) => `${r.kind} ${r.ref}: ${r.parents.map((p) => `${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ''} ${p.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`).join(' ')}`).join('; ')}`);

  test('the served sample: Accepted and ResolvedRefs both True, controller tcpshift', () => {
    const parsed = buildDesired(manifestFiles(formFiles()));
    const s = routeStatuses(parsed.resources, OPTS);
    expect(conds(s)).toEqual(['TCPRoute default/tcp-echo: tcp-echo-gateway/tcp-31400 Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs']);
    expect(s[0]?.parents[0]).toMatchObject({ controllerName: 'tcpshift.io/gateway-controller', parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'tcp-echo-gateway', sectionName: 'tcp-31400' } });
  });

  test.each([
    ['NoMatchingParent (unknown Gateway)', [ROUTE('TCPRoute', 'r', '[{name: nope}]', '[{name: echo, port: 9000}]'), SVC(), WE()], 'TCPRoute default/r: nope Accepted=False/NoMatchingParent ResolvedRefs=True/ResolvedRefs'],
    ['NoMatchingParent (sectionName)', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw, sectionName: x}]', '[{name: echo, port: 9000}]'), SVC(), WE()], 'TCPRoute default/r: gw/x Accepted=False/NoMatchingParent ResolvedRefs=True/ResolvedRefs'],
    ['NotAllowedByListeners', [GW(TLS()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()], 'TCPRoute default/r: gw Accepted=False/NotAllowedByListeners ResolvedRefs=True/ResolvedRefs'],
    ['NoMatchingListenerHostname', [GW(TLS(7443, 'tls', 'a.example.com')), ROUTE('TLSRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]', '[b.example.com]'), SVC(), WE()], 'TLSRoute default/r: gw Accepted=False/NoMatchingListenerHostname ResolvedRefs=True/ResolvedRefs'],
    ['BackendNotFound', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: nope, port: 9000}]')], 'TCPRoute default/r: gw Accepted=True/Accepted ResolvedRefs=False/BackendNotFound'],
    ['RefNotPermitted', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'), SVC('echo', 'apps'), WE('echo', 'apps')], 'TCPRoute default/r: gw Accepted=True/Accepted ResolvedRefs=False/RefNotPermitted'],
    ['InvalidKind', [GW(TCP()), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000, kind: ConfigMap}]')], 'TCPRoute default/r: gw Accepted=True/Accepted ResolvedRefs=False/InvalidKind'],
  ])('%s', (_what, docs, expected) => {
    expect(conds(judge(docs))).toEqual([expected]);
  });

  test('a parent of another class gets no status from tcpshift', () => {
    expect(conds(judge([GW(TCP(), '', 'gw', 'default', 'other'), ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()]))).toEqual(['TCPRoute default/r: ']);
  });
});

describe('positions: every model code names the file, line and column of the field', () => {
  const at = (docs: string[], code: string) => {
    const d = build(docs).diagnostics.find((x) => x.code === code);
    return d && { file: d.file, line: d.line, col: d.col, field: d.field, related: d.related };
  };
  // ROUTE(...) as the first document: `parentRefs` on line 5, `rules` on 6, the backendRefs list on 7.
  test.each([
    ['REF_NOT_PERMITTED', [ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: echo, namespace: apps, port: 9000}]'), GW(TCP()), SVC('echo', 'apps'), WE('echo', 'apps')], { line: 7, col: 32, field: 'spec.rules[0].backendRefs[0].namespace' }],
    ['BACKEND_NOT_FOUND', [ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: nope, port: 9000}]'), GW(TCP())], { line: 7, col: 20, field: 'spec.rules[0].backendRefs[0].name' }],
    ['INVALID_BACKEND_KIND', [ROUTE('TCPRoute', 'r', '[{name: gw}]', '[{name: a, port: 1, kind: ConfigMap}]'), GW(TCP())], { line: 7, col: 38, field: 'spec.rules[0].backendRefs[0].kind' }],
    ['NO_MATCHING_PARENT', [ROUTE('TCPRoute', 'r', '[{name: gw, sectionName: x}]', '[{name: echo, port: 9000}]'), GW(TCP()), SVC(), WE()], { line: 5, col: 27, field: 'spec.parentRefs[0].sectionName' }],
    ['UNKNOWN_GATEWAY', [ROUTE('TCPRoute', 'r', '[{name: nope}]', '[{name: echo, port: 9000}]'), SVC(), WE()], { line: 5, col: 17, field: 'spec.parentRefs[0].name' }],
    ['GATEWAY_CLASS_SKIPPED', [GW(TCP(), '', 'gw', 'default', 'other')], { line: 5, col: 3, field: 'spec.gatewayClassName' }],
  ] as [string, string[], object][])('%s', (code, docs, expected) => {
    expect(at(docs, code)).toMatchObject({ file: 'm.yaml', ...expected });
  });

  test('ROUTE_CONFLICT names the other route\'s file and position', () => {
    const files = manifestFiles({
      'a.yaml': [GW(TCP()), ROUTE('TCPRoute', 'a', '[{name: gw}]', '[{name: echo, port: 9000}]'), SVC(), WE()].join('---\n'),
      'b.yaml': ROUTE('TCPRoute', 'b', '[{name: gw}]', '[{name: echo, port: 9000}]'),
    });
    const d = buildDesired(files, OPTS).diagnostics.find((x) => x.code === 'ROUTE_CONFLICT');
    expect(d).toMatchObject({ file: 'b.yaml', line: 5, col: 16, related: { file: 'a.yaml', line: 13, col: 16 } });
  });
});

test('Gateway status: served Gateways only, each listener with its supported kind and attached routes', () => {
  const docs = [GW(`${TLS(7443, 'tls')}${TCP(7400, 'tcp')}`), GW(TCP(7500), '', 'other', 'default', 'other'),
    ROUTE('TLSRoute', 'a', '[{name: gw}]', '[{name: echo, port: 9000}]', '[a.example.com]'), ROUTE('TLSRoute', 'b', '[{name: gw}]', '[{name: echo, port: 9000}]', '[b.example.com]'), SVC(), WE()];
  const parsed = buildDesired(manifestFiles({ 'm.yaml': docs.join('---\n') }), OPTS);
  const { gateways } = judgeGatewayApi(parsed.resources, OPTS);
  expect(gateways.map((g) => [g.ref, g.listeners.map((l) => `${l.name} ${l.supportedKinds[0]?.kind} ${l.attachedRoutes}`)])).toEqual([
    ['default/gw', ['tls TLSRoute 2', 'tcp TCPRoute 0']],
  ]);
});

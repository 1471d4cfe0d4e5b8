/**
 * The model agrees with Istio (istio/istio 86c9f01): what Istio accepts compiles (legacy gateway names,
 * Unix socket endpoints and binds, DNS_ROUND_ROBIN, a ServiceEntry without ports, maxConnections 0,
 * simple UNSPECIFIED), and parts tcpshift does not serve are warnings instead of rejecting the commit.
 */
import { Codes, type Code, type Diagnostic } from '../../src/errors';
import { buildDesired } from '../../src/model/desired';
import type { RoutingTable } from '../../src/model/types';
import { manifestFiles } from '../helpers/manifests';

const GW = (server = '  - port: {number: 31400, name: tcp, protocol: TCP}\n    hosts: ["*"]\n', name = 'gw') =>
  `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: ${name}}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n${server}`;
const VS = (spec: string, name = 'vs') => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const ROUTE = (gateways = '[gw]', host = 'echo') => VS(`  hosts: ["*"]\n  gateways: ${gateways}\n  tcp:\n  - route:\n    - destination: {host: ${host}}\n`);
const SE = (spec: string, name = 'se') => `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const ECHO = SE('  hosts: [echo]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: STATIC\n  endpoints:\n  - address: 127.0.0.1\n');
const DR = (spec: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: dr}\nspec:\n  host: echo\n${spec}`;

function build(files: Record<string, string>) {
  return buildDesired(manifestFiles(files));
}
function table(files: Record<string, string>): RoutingTable {
  const d = build(files);
  if (!d.ok) throw new Error(d.diagnostics.map((x) => `${x.code} ${x.file}:${x.line}:${x.col} ${x.message}`).join('\n'));
  return d.table;
}
const of = (ds: readonly Diagnostic[], severity: Diagnostic['severity']): Code[] => ds.filter((d) => d.severity === severity).map((d) => d.code);

describe('accepted, as Istio accepts it', () => {
  test.each([
    ['gw.default.svc.cluster.local'],
    ['gw.default'],
  ])('legacy gateway name %s resolves to default/gw, with a warning', (name) => {
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(`[${name}]`), 'se.yaml': ECHO });
    expect(of(d.diagnostics, 'error')).toEqual([]);
    expect(of(d.diagnostics, 'warning')).toEqual([Codes.GATEWAY_NAME_LEGACY]);
    expect(d.ok && d.table.listeners.map((l) => [l.key, l.gateway])).toEqual([['0.0.0.0:31400', 'default/gw']]);
  });

  test('a legacy name of another namespace is that namespace\'s gateway', () => {
    const gw = GW().replace('metadata: {name: gw}', 'metadata: {name: gw, namespace: edge}');
    const t = table({ 'gw.yaml': gw, 'vs.yaml': ROUTE('[gw.edge.svc.cluster.local]'), 'se.yaml': ECHO });
    expect(t.listeners.map((l) => l.gateway)).toEqual(['edge/gw']);
  });

  test('a ServiceEntry endpoint unix:///path is dialled as that socket: port 0, keyed by its address', () => {
    const se = SE('  hosts: [echo]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: STATIC\n  endpoints:\n  - address: unix:///run/echo.sock\n    labels: {version: v1}\n');
    const t = table({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': se });
    expect(t.listeners[0]?.route.destinations[0]?.endpoints).toEqual([
      { key: 'unix:///run/echo.sock', address: 'unix:///run/echo.sock', port: 0, weight: 1, labels: { version: 'v1' } },
    ]);
  });

  test('a WorkloadEntry address unix:///path, selected by a Service or a ServiceEntry, is dialled on port 0', () => {
    const we = 'apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: w}\nspec:\n  address: unix:///run/echo.sock\n  labels: {app: echo}\n';
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: echo}\nspec:\n  selector: {app: echo}\n  ports: [{name: tcp, port: 9000}]\n';
    const viaService = table({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'svc.yaml': svc, 'we.yaml': we });
    expect(viaService.listeners[0]?.route.destinations[0]?.endpoints.map((e) => [e.key, e.port])).toEqual([['unix:///run/echo.sock', 0]]);
    const se = SE('  hosts: [echo]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: STATIC\n  workloadSelector: {labels: {app: echo}}\n');
    const viaEntry = table({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': se, 'we.yaml': we });
    expect(viaEntry.listeners[0]?.route.destinations[0]?.endpoints.map((e) => [e.key, e.port])).toEqual([['unix:///run/echo.sock', 0]]);
  });

  test('a Gateway server bind unix:///path with port 0 is a listener on that socket: port 0, keyed by its address', () => {
    const t = table({ 'gw.yaml': GW('  - port: {number: 0, name: tcp, protocol: TCP}\n    bind: unix:///run/gw.sock\n    hosts: ["*"]\n'), 'vs.yaml': ROUTE(), 'se.yaml': ECHO });
    expect(t.listeners.map((l) => [l.key, l.address, l.port, l.gateway])).toEqual([['unix:///run/gw.sock', 'unix:///run/gw.sock', 0, 'default/gw']]);
  });

  test('two Gateways binding one Unix socket clash; two sockets do not', () => {
    const server = (path: string) => `  - port: {number: 0, name: tcp, protocol: TCP}\n    bind: unix://${path}\n    hosts: ["*"]\n`;
    const files = (b: string) => ({
      'gw.yaml': GW(server('/run/a.sock')), 'gw2.yaml': GW(server(b), 'gw2'),
      'vs.yaml': VS('  hosts: ["*"]\n  gateways: [gw, gw2]\n  tcp:\n  - route:\n    - destination: {host: echo}\n'), 'se.yaml': ECHO,
    });
    expect(of(build(files('/run/a.sock')).diagnostics, 'error')).toEqual([Codes.LISTENER_CONFLICT]);
    expect(table(files('/run/b.sock')).listeners.map((l) => l.key)).toEqual(['unix:///run/a.sock', 'unix:///run/b.sock']);
  });

  test('DNS_ROUND_ROBIN with one endpoint dials that name', () => {
    const se = SE('  hosts: [echo.example.com]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: DNS_ROUND_ROBIN\n  endpoints:\n  - address: backend.example.com\n');
    const t = table({ 'gw.yaml': GW(), 'vs.yaml': ROUTE('[gw]', 'echo.example.com'), 'se.yaml': se });
    expect(t.listeners[0]?.route.destinations[0]?.endpoints.map((e) => e.key)).toEqual(['backend.example.com:9000']);
  });

  test('DNS_ROUND_ROBIN without endpoints dials the host, as DNS does', () => {
    const se = SE('  hosts: [echo.example.com]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: DNS_ROUND_ROBIN\n');
    const t = table({ 'gw.yaml': GW(), 'vs.yaml': ROUTE('[gw]', 'echo.example.com'), 'se.yaml': se });
    expect(t.listeners[0]?.route.destinations[0]?.endpoints.map((e) => e.key)).toEqual(['echo.example.com:9000']);
  });

  test('a ServiceEntry with no ports compiles (nothing routes to it)', () => {
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': ECHO, 'bare.yaml': SE('  hosts: [bare.example.com]\n  resolution: DNS\n', 'bare') });
    expect(of(d.diagnostics, 'error')).toEqual([]);
  });

  test('maxConnections: 0 is unlimited and simple: UNSPECIFIED the default balancer', () => {
    const dr = DR('  trafficPolicy:\n    loadBalancer: {simple: UNSPECIFIED}\n    connectionPool:\n      tcp: {maxConnections: 0}\n');
    const policy = table({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': ECHO, 'dr.yaml': dr }).listeners[0]?.route.destinations[0]?.policy;
    expect([policy?.maxConnections, policy?.loadBalancer]).toEqual([null, 'LEAST_REQUEST']);
  });

  test('an empty destination subset is no subset', () => {
    const vs = VS('  hosts: ["*"]\n  gateways: [gw]\n  tcp:\n  - route:\n    - destination: {host: echo, subset: ""}\n');
    expect(table({ 'gw.yaml': GW(), 'vs.yaml': vs, 'se.yaml': ECHO }).listeners[0]?.route.destinations[0]?.subset).toBeNull();
  });
});

describe('parts tcpshift does not serve: a warning, not a rejected commit', () => {
  test('a VirtualService with only http routes naming a Gateway not in the repo', () => {
    const http = VS('  hosts: [web.example.com]\n  gateways: [elsewhere]\n  http:\n  - route:\n    - destination: {host: web}\n', 'web');
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': ECHO, 'web.yaml': http });
    expect(of(d.diagnostics, 'error')).toEqual([]);
    expect(of(d.diagnostics, 'warning')).toEqual(expect.arrayContaining([Codes.UNKNOWN_GATEWAY, Codes.ROUTE_SKIPPED]));
  });

  test.each([
    ['no gateways', ''],
    ['only mesh', '  gateways: [mesh]\n'],
  ])('a mesh-only rule (%s) with an unknown host', (_name, gateways) => {
    const mesh = VS(`  hosts: [other.example.com]\n${gateways}  tcp:\n  - route:\n    - destination: {host: nope.example.com}\n`, 'mesh');
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': ECHO, 'mesh.yaml': mesh });
    expect(of(d.diagnostics, 'error')).toEqual([]);
    expect(d.diagnostics.filter((x) => x.code === Codes.UNKNOWN_HOST).map((x) => [x.file, x.severity, x.field])).toEqual([
      ['mesh.yaml', 'warning', 'spec.tcp[0].route[0].destination.host'],
    ]);
  });

  test('tls.mode on a DestinationRule that routes nothing here is a warning', () => {
    const dr = DR('  trafficPolicy:\n    tls: {mode: SIMPLE}\n').replace('host: echo', 'host: api.example.com');
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': ECHO, 'dr.yaml': dr });
    expect(of(d.diagnostics, 'error')).toEqual([]);
    expect(d.diagnostics.filter((x) => x.code === Codes.FIELD_UNSUPPORTED).map((x) => [x.severity, x.line, x.col, x.field])).toEqual([
      ['warning', 7, 11, 'spec.trafficPolicy.tls.mode'],
    ]);
  });

  test('tls.mode where a served route uses the rule (or the subset) stays an error', () => {
    const top = DR('  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n');
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': ECHO, 'dr.yaml': top });
    expect(d.diagnostics.filter((x) => x.code === Codes.FIELD_UNSUPPORTED).map((x) => [x.severity, x.file, x.field])).toEqual([
      ['error', 'dr.yaml', 'spec.trafficPolicy.tls.mode'],
    ]);
    const subsets = DR('  subsets:\n  - name: v1\n    trafficPolicy: {tls: {mode: SIMPLE}}\n  - name: v2\n    trafficPolicy: {tls: {mode: MUTUAL}}\n');
    const vs = VS('  hosts: ["*"]\n  gateways: [gw]\n  tcp:\n  - route:\n    - destination: {host: echo, subset: v1}\n');
    const s = build({ 'gw.yaml': GW(), 'vs.yaml': vs, 'se.yaml': ECHO, 'dr.yaml': subsets });
    expect(s.diagnostics.filter((x) => x.code === Codes.FIELD_UNSUPPORTED).map((x) => [x.severity, x.field])).toEqual([
      ['error', 'spec.subsets[0].trafficPolicy.tls.mode'],
      ['warning', 'spec.subsets[1].trafficPolicy.tls.mode'],
    ]);
  });
});

describe('rejected, as Istio rejects it (checks only the whole commit can make)', () => {
  test('an endpoint ports key naming no service port no longer silently dials the service port', () => {
    const se = SE('  hosts: [echo]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: STATIC\n  endpoints:\n  - address: 127.0.0.1\n    ports: {tcp-v1: 9001}\n');
    const d = build({ 'gw.yaml': GW(), 'vs.yaml': ROUTE(), 'se.yaml': se });
    expect(d.ok).toBe(false);
    expect(of(d.diagnostics, 'error')).toEqual([Codes.UNKNOWN_PORT]);
  });
});

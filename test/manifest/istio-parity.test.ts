/**
 * The manifest reader agrees with Istio's own validation (pkg/config/validation at istio/istio 86c9f01),
 * case by case: what Istio rejects is an error with a stable code at the field, what it accepts reads clean.
 */
import { Codes, type Code, type Diagnostic } from '../../src/errors';
import { errors, istio, parseOne } from './util';

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly code: Code;
  readonly severity: Diagnostic['severity'];
  readonly line: number;
  readonly col: number;
  readonly field: string;
  /** The Istio function whose rule this is. */
  readonly istio: string;
}

/** A gateway-bound VirtualService whose one destination is `dest` (8-space indented lines; the first is line 11). */
const DEST = (dest: string): string =>
  istio('VirtualService', `  hosts: [a.example.com]\n  gateways: [gw]\n  tcp:\n  - route:\n    - destination:\n${dest}`);
const VS = (spec: string): string => istio('VirtualService', spec);
const TCP = '  tcp:\n  - route:\n    - destination: {host: a}\n';
/** A Gateway whose servers (2-space indented list items) start on line 8. */
const GW = (servers: string): string => istio('Gateway', `  selector: {istio: ingressgateway}\n  servers:\n${servers}`);
const SERVER = (port: string, rest = '    hosts: ["*"]\n'): string => `  - port: {${port}}\n${rest}`;
const SE = (spec: string): string => istio('ServiceEntry', spec);
const SE_PORT = '  ports: [{number: 1, name: a, protocol: TCP}]\n';

const REJECTED: readonly Case[] = [
  // ---- hosts (agent.ValidateWildcardDomain, validateDestination)
  { name: 'destination host *', yaml: DEST('        host: "*"\n'), code: Codes.FIELD_HOST, severity: 'error', line: 11, col: 9, field: 'spec.tcp[0].route[0].destination.host', istio: 'validateDestination' },
  { name: 'destination host foo.*', yaml: DEST('        host: foo.*\n'), code: Codes.FIELD_HOST, severity: 'error', line: 11, col: 9, field: 'spec.tcp[0].route[0].destination.host', istio: 'agent.ValidateWildcardDomain' },
  { name: 'destination host default/baz', yaml: DEST('        host: default/baz\n'), code: Codes.FIELD_HOST, severity: 'error', line: 11, col: 9, field: 'spec.tcp[0].route[0].destination.host', istio: 'agent.ValidateWildcardDomain' },
  { name: 'destination host foo.ba!r', yaml: DEST('        host: foo.ba!r\n'), code: Codes.FIELD_HOST, severity: 'error', line: 11, col: 9, field: 'spec.tcp[0].route[0].destination.host', istio: 'agent.ValidateWildcardDomain' },
  { name: 'VirtualService host foo.ba!r', yaml: VS(`  hosts: [foo.ba!r]\n  gateways: [gw]\n${TCP}`), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 11, field: 'spec.hosts[0]', istio: 'ValidateVirtualService' },
  { name: 'VirtualService hosts overlapping (*.com, *.foo.com)', yaml: VS(`  hosts: ["*.com", "*.foo.com"]\n  gateways: [gw]\n${TCP}`), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 20, field: 'spec.hosts[1]', istio: 'ValidateVirtualService (host.Name.Matches)' },
  { name: 'VirtualService host written twice', yaml: VS(`  hosts: [a.example.com, a.example.com]\n  gateways: [gw]\n${TCP}`), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 26, field: 'spec.hosts[1]', istio: 'ValidateVirtualService (host.Name.Matches)' },
  { name: 'VirtualService host * bound to the mesh', yaml: VS(`  hosts: ["*"]\n${TCP}`), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 11, field: 'spec.hosts[0]', istio: 'ValidateVirtualService' },
  { name: 'DestinationRule host foo.*', yaml: istio('DestinationRule', '  host: foo.*\n'), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 3, field: 'spec.host', istio: 'ValidateDestinationRule' },
  { name: 'ServiceEntry host *', yaml: SE(`  hosts: ["*"]\n${SE_PORT}`), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 11, field: 'spec.hosts[0]', istio: 'ValidateServiceEntry' },
  { name: 'ServiceEntry host default/baz', yaml: SE(`  hosts: [default/baz]\n${SE_PORT}`), code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 11, field: 'spec.hosts[0]', istio: 'ValidateServiceEntry' },
  { name: 'Gateway server short host', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP', '    hosts: [foo]\n')), code: Codes.FIELD_HOST, severity: 'error', line: 9, col: 13, field: 'spec.servers[0].hosts[0]', istio: 'agent.ValidateNamespaceSlashWildcardHostname' },
  { name: 'Gateway server partial wildcard', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP', '    hosts: ["*foo.example.com"]\n')), code: Codes.FIELD_HOST, severity: 'error', line: 9, col: 13, field: 'spec.servers[0].hosts[0]', istio: 'agent.ValidatePartialWildCard' },
  // ---- destination port, subset and gateway names
  { name: 'destination.port: {}', yaml: DEST('        host: a\n        port: {}\n'), code: Codes.FIELD_REQUIRED, severity: 'error', line: 12, col: 9, field: 'spec.tcp[0].route[0].destination.port.number', istio: 'validatePortSelector' },
  { name: 'destination subset not a label', yaml: DEST('        host: a\n        subset: v_1\n'), code: Codes.FIELD_NAME, severity: 'error', line: 12, col: 9, field: 'spec.tcp[0].route[0].destination.subset', istio: 'validateSubsetName' },
  { name: 'DestinationRule subset not a label', yaml: istio('DestinationRule', '  host: a\n  subsets:\n  - name: v.1\n'), code: Codes.FIELD_NAME, severity: 'error', line: 8, col: 5, field: 'spec.subsets[0].name', istio: 'validateSubsetName' },
  { name: 'gateway name a/b/c', yaml: VS(`  hosts: [a]\n  gateways: [a/b/c]\n${TCP}`), code: Codes.FIELD_NAME, severity: 'error', line: 7, col: 14, field: 'spec.gateways[0]', istio: 'validateGatewayNames' },
  { name: 'gateway name ./gw', yaml: VS(`  hosts: [a]\n  gateways: [./gw]\n${TCP}`), code: Codes.FIELD_NAME, severity: 'error', line: 7, col: 14, field: 'spec.gateways[0]', istio: 'validateGatewayNames' },
  {
    name: 'match gateway name with a bad label', yaml: VS('  hosts: [a]\n  gateways: [gw]\n  tcp:\n  - match:\n    - gateways: [g_w]\n    route:\n    - destination: {host: a}\n'),
    code: Codes.FIELD_NAME, severity: 'error', line: 10, col: 18, field: 'spec.tcp[0].match[0].gateways[0]', istio: 'validateTCPMatch',
  },
  { name: 'ServiceEntry port name not a label', yaml: SE('  hosts: [a]\n  ports: [{number: 1, name: a_b, protocol: TCP}]\n'), code: Codes.FIELD_NAME, severity: 'error', line: 7, col: 23, field: 'spec.ports[0].name', istio: 'ValidatePortName' },
  // ---- VirtualService routes (ValidateVirtualService)
  { name: 'VirtualService without routes', yaml: VS('  hosts: [a]\n  gateways: [gw]\n'), code: Codes.FIELD_REQUIRED, severity: 'error', line: 5, col: 1, field: 'spec.tcp', istio: 'ValidateVirtualService' },
  { name: 'VirtualService with tcp routes but no hosts', yaml: VS(`  gateways: [gw]\n${TCP}`), code: Codes.FIELD_REQUIRED, severity: 'error', line: 5, col: 1, field: 'spec.hosts', istio: 'ValidateVirtualService (delegate)' },
  // ---- Gateway servers (ValidateGateway, validateServer, validateServerPort)
  {
    name: 'two servers with one port name',
    yaml: GW(`${SERVER('number: 1, name: tcp, protocol: TCP')}${SERVER('number: 2, name: tcp, protocol: TCP')}`),
    code: Codes.DUPLICATE_PORT, severity: 'error', line: 10, col: 23, field: 'spec.servers[1].port.name', istio: 'ValidateGateway',
  },
  {
    name: 'a TCP server and a skipped HTTP server with one port name',
    yaml: GW(`${SERVER('number: 1, name: web, protocol: TCP')}${SERVER('number: 2, name: web, protocol: HTTP')}`),
    code: Codes.DUPLICATE_PORT, severity: 'error', line: 10, col: 23, field: 'spec.servers[1].port.name', istio: 'ValidateGateway',
  },
  { name: 'server without hosts', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP', '')), code: Codes.FIELD_REQUIRED, severity: 'error', line: 8, col: 5, field: 'spec.servers[0].hosts', istio: 'validateServer' },
  { name: 'server with empty hosts', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP', '    hosts: []\n')), code: Codes.FIELD_REQUIRED, severity: 'error', line: 9, col: 5, field: 'spec.servers[0].hosts', istio: 'validateServer' },
  { name: 'server without a port name', yaml: GW(SERVER('number: 1, protocol: TCP')), code: Codes.FIELD_REQUIRED, severity: 'error', line: 8, col: 5, field: 'spec.servers[0].port.name', istio: 'validateServerPort' },
  { name: 'targetPort on a Gateway server', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP, targetPort: 2')), code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 8, col: 49, field: 'spec.servers[0].port.targetPort', istio: 'validateServerPort' },
  { name: 'tls settings on a TCP server', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP', '    hosts: ["*"]\n    tls: {mode: SIMPLE}\n')), code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 10, col: 5, field: 'spec.servers[0].tls', istio: 'validateServer' },
  { name: 'unix bind with a port number', yaml: GW(SERVER('number: 1, name: tcp, protocol: TCP', '    bind: unix:///tmp/gw.sock\n    hosts: ["*"]\n')), code: Codes.PORT_RANGE, severity: 'error', line: 8, col: 12, field: 'spec.servers[0].port.number', istio: 'validateServerBind' },
  { name: 'unix bind to a relative path', yaml: GW(SERVER('number: 0, name: tcp, protocol: TCP', '    bind: unix://gw.sock\n    hosts: ["*"]\n')), code: Codes.FIELD_ADDRESS, severity: 'error', line: 9, col: 5, field: 'spec.servers[0].bind', istio: 'ValidateUnixAddress' },
  { name: 'port 0 without a unix bind', yaml: GW(SERVER('number: 0, name: tcp, protocol: TCP')), code: Codes.PORT_RANGE, severity: 'error', line: 8, col: 12, field: 'spec.servers[0].port.number', istio: 'validateServerPort' },
  // ---- ServiceEntry (ValidateServiceEntry)
  {
    name: 'two ports with one number', yaml: SE('  hosts: [a]\n  ports:\n  - {number: 1, name: a, protocol: TCP}\n  - {number: 1, name: b, protocol: TCP}\n'),
    code: Codes.DUPLICATE_PORT, severity: 'error', line: 9, col: 6, field: 'spec.ports[1].number', istio: 'ValidateServiceEntry',
  },
  {
    name: 'two ports with one name', yaml: SE('  hosts: [a]\n  ports:\n  - {number: 1, name: a, protocol: TCP}\n  - {number: 2, name: a, protocol: TCP}\n'),
    code: Codes.DUPLICATE_PORT, severity: 'error', line: 9, col: 17, field: 'spec.ports[1].name', istio: 'ValidateServiceEntry',
  },
  {
    name: 'endpoint port naming no service port', yaml: SE(`  hosts: [a]\n${SE_PORT}  resolution: STATIC\n  endpoints:\n  - address: 127.0.0.1\n    ports: {b: 2}\n`),
    code: Codes.UNKNOWN_PORT, severity: 'error', line: 11, col: 13, field: 'spec.endpoints[0].ports.b', istio: 'validateWorkloadEntry',
  },
  {
    name: 'resolution NONE with endpoints', yaml: SE(`  hosts: [a]\n${SE_PORT}  resolution: NONE\n  endpoints:\n  - address: 127.0.0.1\n`),
    code: Codes.RESOLUTION_ENDPOINTS, severity: 'error', line: 9, col: 3, field: 'spec.endpoints', istio: 'ValidateServiceEntry',
  },
  {
    name: 'resolution left out (NONE) with endpoints', yaml: SE(`  hosts: [a]\n${SE_PORT}  endpoints:\n  - address: 127.0.0.1\n`),
    code: Codes.RESOLUTION_ENDPOINTS, severity: 'error', line: 8, col: 3, field: 'spec.endpoints', istio: 'ValidateServiceEntry',
  },
  {
    name: 'DNS_ROUND_ROBIN with two endpoints', yaml: SE(`  hosts: [a]\n${SE_PORT}  resolution: DNS_ROUND_ROBIN\n  endpoints:\n  - address: a.example.com\n  - address: b.example.com\n`),
    code: Codes.RESOLUTION_ENDPOINTS, severity: 'error', line: 9, col: 3, field: 'spec.endpoints', istio: 'ValidateServiceEntry',
  },
  {
    name: 'two hosts on a TCP port (STATIC)', yaml: SE(`  hosts: [a.example.com, b.example.com]\n${SE_PORT}  resolution: STATIC\n  endpoints:\n  - address: 127.0.0.1\n`),
    code: Codes.MULTI_HOST_TCP, severity: 'error', line: 6, col: 3, field: 'spec.hosts', istio: 'ValidateServiceEntry',
  },
  {
    name: 'two hosts on a port without protocol (DNS)', yaml: SE('  hosts: [a.example.com, b.example.com]\n  ports: [{number: 1, name: a}]\n  resolution: DNS\n'),
    code: Codes.MULTI_HOST_TCP, severity: 'error', line: 6, col: 3, field: 'spec.hosts', istio: 'ValidateServiceEntry',
  },
  {
    name: 'wildcard host with DNS and no endpoints', yaml: SE(`  hosts: ["*.example.com"]\n${SE_PORT}  resolution: DNS\n`),
    code: Codes.FIELD_HOST, severity: 'error', line: 6, col: 11, field: 'spec.hosts[0]', istio: 'ValidateServiceEntry (DNS)',
  },
  {
    name: 'unix endpoint with ports', yaml: SE(`  hosts: [a]\n${SE_PORT}  resolution: STATIC\n  endpoints:\n  - address: unix:///tmp/a.sock\n    ports: {a: 2}\n`),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 11, col: 5, field: 'spec.endpoints[0].ports', istio: 'validateWorkloadEntry',
  },
  {
    name: 'unix endpoint of a two-port service', yaml: SE('  hosts: [a]\n  ports: [{number: 1, name: a}, {number: 2, name: b}]\n  resolution: STATIC\n  endpoints:\n  - address: unix:///tmp/a.sock\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 10, col: 5, field: 'spec.endpoints[0].address', istio: 'validateWorkloadEntry',
  },
  {
    name: 'unix WorkloadEntry with ports', yaml: istio('WorkloadEntry', '  address: unix:///tmp/a.sock\n  ports: {tcp: 1}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 7, col: 3, field: 'spec.ports', istio: 'validateWorkloadEntry',
  },
  {
    name: 'unix WorkloadEntry with a relative path', yaml: istio('WorkloadEntry', '  address: unix://a.sock\n'),
    code: Codes.FIELD_ADDRESS, severity: 'error', line: 6, col: 3, field: 'spec.address', istio: 'ValidateUnixAddress',
  },
  {
    name: 'unix endpoint with a relative path', yaml: SE(`  hosts: [a]\n${SE_PORT}  resolution: STATIC\n  endpoints:\n  - address: unix://a.sock\n`),
    code: Codes.FIELD_ADDRESS, severity: 'error', line: 10, col: 5, field: 'spec.endpoints[0].address', istio: 'ValidateUnixAddress',
  },
];

describe('rejected, as Istio rejects it', () => {
  test.each(REJECTED)('$name → $code ($istio)', (c) => {
    const { diagnostics } = parseOne(c.yaml);
    const hits = diagnostics.filter((d) => d.code === c.code);
    expect(hits.map((d) => [d.file, d.line, d.col, d.severity, d.field])).toEqual([['m.yaml', c.line, c.col, c.severity, c.field]]);
  });
});

/** Warnings where Istio warns. */
const WARNED: readonly Case[] = [
  { name: 'legacy FQDN gateway name', yaml: VS(`  hosts: [a]\n  gateways: [gw.default.svc.cluster.local]\n${TCP}`), code: Codes.GATEWAY_NAME_LEGACY, severity: 'warning', line: 7, col: 14, field: 'spec.gateways[0]', istio: 'validateGatewayNames' },
  {
    name: 'two skipped (HTTP) servers with one port name', yaml: GW(`${SERVER('number: 1, name: web, protocol: HTTP')}${SERVER('number: 2, name: web, protocol: HTTP')}`),
    code: Codes.DUPLICATE_PORT, severity: 'warning', line: 10, col: 23, field: 'spec.servers[1].port.name', istio: 'ValidateGateway',
  },
  { name: 'partial wildcard ServiceEntry host', yaml: SE(`  hosts: ["*foo.example.com"]\n${SE_PORT}`), code: Codes.FIELD_HOST, severity: 'warning', line: 6, col: 11, field: 'spec.hosts[0]', istio: 'agent.ValidatePartialWildCard' },
];

describe('warned, as Istio warns', () => {
  test.each(WARNED)('$name → $code ($istio)', (c) => {
    const { diagnostics } = parseOne(c.yaml);
    expect(errors(diagnostics)).toEqual([]);
    const hits = diagnostics.filter((d) => d.code === c.code);
    expect(hits.map((d) => [d.line, d.col, d.severity, d.field])).toEqual([[c.line, c.col, c.severity, c.field]]);
  });
});

const DR_TCP = (tcp: string): string => istio('DestinationRule', `  host: a\n  trafficPolicy:\n    connectionPool:\n      tcp: {${tcp}}\n`);

/** Accepted by Istio, so read without an error. */
const ACCEPTED: readonly (readonly [string, string])[] = [
  ['maxConnections: 0', DR_TCP('maxConnections: 0')],
  ['loadBalancer.simple: UNSPECIFIED', istio('DestinationRule', '  host: a\n  trafficPolicy:\n    loadBalancer: {simple: UNSPECIFIED}\n')],
  ['DNS_ROUND_ROBIN with one endpoint', SE(`  hosts: [a.example.com]\n${SE_PORT}  resolution: DNS_ROUND_ROBIN\n  endpoints:\n  - address: b.example.com\n`)],
  ['DNS_ROUND_ROBIN without endpoints', SE(`  hosts: [a.example.com]\n${SE_PORT}  resolution: DNS_ROUND_ROBIN\n`)],
  ['a ServiceEntry with no ports', SE('  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - address: 127.0.0.1\n')],
  ['a unix endpoint of a one-port service', SE(`  hosts: [a]\n${SE_PORT}  resolution: STATIC\n  endpoints:\n  - address: unix:///tmp/a.sock\n`)],
  ['an abstract unix endpoint', SE(`  hosts: [a]\n${SE_PORT}  resolution: STATIC\n  endpoints:\n  - address: unix://@tcpshift\n`)],
  ['a unix WorkloadEntry', istio('WorkloadEntry', '  address: unix:///tmp/a.sock\n  labels: {app: a}\n')],
  ['a unix bind on port 0', GW(SERVER('number: 0, name: tcp, protocol: TCP', '    bind: unix:///tmp/gw.sock\n    hosts: ["*"]\n'))],
  ['two hosts with resolution NONE', SE(`  hosts: [a.example.com, b.example.com]\n${SE_PORT}`)],
  ['two hosts on a TLS port', SE('  hosts: [a.example.com, b.example.com]\n  ports: [{number: 1, name: a, protocol: TLS}]\n  resolution: DNS\n')],
  ['a wildcard host with resolution NONE', SE(`  hosts: ["*.example.com"]\n${SE_PORT}`)],
  ['upper-case subset and port names (Istio labels allow them)', istio('DestinationRule', '  host: a\n  subsets:\n  - name: V1\n')],
  ['an upper-case ServiceEntry port name', SE('  hosts: [a]\n  ports: [{number: 1, name: Tcp, protocol: TCP}]\n')],
  ['a ServiceEntry port with an empty protocol (sniffed)', SE('  hosts: [a]\n  ports: [{number: 1, name: a, protocol: ""}]\n')],
  ['tls without a mode (DISABLE)', istio('DestinationRule', '  host: a\n  trafficPolicy:\n    tls: {sni: a.example.com}\n')],
  ['an empty destination subset (no subset)', DEST('        host: a\n        subset: ""\n')],
  ['a Gateway server host namespace/name', GW(SERVER('number: 1, name: tcp, protocol: TCP', '    hosts: ["ns/a.example.com", "*/*", "./*.example.com", 10.0.0.1]\n'))],
  ['VirtualService with only http routes and no hosts (a delegate)', VS('  http:\n  - route:\n    - destination: {host: a}\n')],
  ['gateway names ns/name, short, legacy and mesh', VS(`  hosts: [a]\n  gateways: [ns/gw, gw, gw.ns, mesh]\n${TCP}`)],
];

describe('accepted, as Istio accepts it', () => {
  test.each(ACCEPTED)('%s', (_name, yaml) => {
    expect(errors(parseOne(yaml).diagnostics)).toEqual([]);
  });
});

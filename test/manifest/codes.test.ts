/** Every document- and field-level code the manifest reader emits, with the line:col it points at. */
import { Codes, type Code, type Diagnostic } from '../../src/errors';
import { buildDesired } from '../../src/model/desired';
import { file, istio, parseOne } from './util';

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly code: Code;
  readonly severity: Diagnostic['severity'];
  readonly line: number;
  readonly col: number;
  readonly field?: string;
}

const VS_ROUTE = (weight: string): string =>
  istio('VirtualService', `  tcp:\n  - route:\n    - destination:\n        host: a\n      weight: ${weight}\n`);
const DR_POLICY = (policy: string): string => istio('DestinationRule', `  host: a\n  trafficPolicy:\n${policy}`);
const DR_TCP_POOL = (field: string): string => DR_POLICY(`    connectionPool:\n      tcp:\n        ${field}\n`);

/** A RolloutPolicy whose spec is `spec` (spec starts on line 6, as with `istio`). */
const ROLLOUT = (spec: string): string => `apiVersion: tcpshift.io/v1alpha1\nkind: RolloutPolicy\nmetadata:\n  name: x\nspec:\n${spec}`;

const CASES: readonly Case[] = [
  // ---- documents
  { name: 'not a mapping', yaml: '# c\n- a\n- b\n', code: Codes.DOC_NOT_MAPPING, severity: 'error', line: 2, col: 1 },
  { name: 'scalar document', yaml: 'just text\n', code: Codes.DOC_NOT_MAPPING, severity: 'error', line: 1, col: 1 },
  { name: 'no kind', yaml: '# c\napiVersion: v1\nmetadata: {name: a}\n', code: Codes.DOC_NO_KIND, severity: 'error', line: 2, col: 1 },
  { name: 'kind not a string', yaml: 'apiVersion: v1\nkind: 5\n', code: Codes.DOC_NO_KIND, severity: 'error', line: 2, col: 1, field: 'kind' },
  { name: 'no apiVersion', yaml: 'kind: Gateway\nmetadata: {name: a}\n', code: Codes.DOC_NO_API_VERSION, severity: 'error', line: 1, col: 1 },
  {
    name: 'unknown istio version',
    yaml: 'kind: Gateway\napiVersion: networking.istio.io/v2\nmetadata: {name: a}\n',
    code: Codes.UNKNOWN_API_VERSION, severity: 'error', line: 2, col: 1, field: 'apiVersion',
  },
  {
    name: 'istio group without a version',
    yaml: 'apiVersion: networking.istio.io\nkind: Gateway\nmetadata: {name: a}\n',
    code: Codes.UNKNOWN_API_VERSION, severity: 'error', line: 1, col: 1, field: 'apiVersion',
  },
  {
    name: 'istio version with extra parts',
    yaml: 'apiVersion: networking.istio.io/v1/x\nkind: Gateway\nmetadata: {name: a}\n',
    code: Codes.UNKNOWN_API_VERSION, severity: 'error', line: 1, col: 1, field: 'apiVersion',
  },
  { name: 'kubernetes Deployment', yaml: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: s\n', code: Codes.KIND_SKIPPED, severity: 'warning', line: 2, col: 1 },
  { name: 'kubernetes Service in another group', yaml: 'apiVersion: example.com/v1\nkind: Service\nmetadata:\n  name: s\n', code: Codes.KIND_SKIPPED, severity: 'warning', line: 2, col: 1 },
  {
    name: 'kubernetes Service of an unknown version',
    yaml: 'apiVersion: v2\nkind: Service\nmetadata:\n  name: s\n', code: Codes.UNKNOWN_API_VERSION, severity: 'error', line: 1, col: 1, field: 'apiVersion',
  },
  {
    name: 'istio kind outside the four',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s}\n',
    code: Codes.KIND_SKIPPED, severity: 'warning', line: 2, col: 1,
  },
  {
    name: 'unknown kind in the networking.istio.io group (a typo)',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: s}\n',
    code: Codes.UNKNOWN_KIND, severity: 'error', line: 2, col: 1, field: 'kind',
  },
  {
    name: 'Gateway API HTTPRoute',
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: g}\n',
    code: Codes.KIND_SKIPPED, severity: 'warning', line: 2, col: 1,
  },
  // ---- metadata
  {
    name: 'metadata.name missing',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  namespace: a\n',
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 3, col: 1, field: 'metadata.name',
  },
  {
    name: 'metadata missing',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\n',
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 1, col: 1, field: 'metadata',
  },
  {
    name: 'metadata.name not a string',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: 5\n',
    code: Codes.FIELD_TYPE, severity: 'error', line: 4, col: 3, field: 'metadata.name',
  },
  {
    name: 'metadata.name not a DNS-1123 subdomain',
    yaml: istio('VirtualService', '  tcp: []\n', 'Tcp_Echo'),
    code: Codes.FIELD_NAME, severity: 'error', line: 4, col: 3, field: 'metadata.name',
  },
  {
    name: 'metadata.name with a newline and a workflow command',
    yaml: istio('DestinationRule', '  host: a\n', '"gw\\n::error file=x::INJECTED"'),
    code: Codes.FIELD_NAME, severity: 'error', line: 4, col: 3, field: 'metadata.name',
  },
  {
    name: 'Gateway name with a dot (Istio: a DNS-1123 label)',
    yaml: istio('Gateway', '  servers: []\n', 'tcp.echo'),
    code: Codes.FIELD_NAME, severity: 'error', line: 4, col: 3, field: 'metadata.name',
  },
  {
    name: 'metadata.name over 253 characters',
    yaml: istio('ServiceEntry', '  hosts: [a]\n', `${'a'.repeat(60)}.`.repeat(4) + 'abcdefghijklmnopqrstuvwxyz'),
    code: Codes.FIELD_NAME, severity: 'error', line: 4, col: 3, field: 'metadata.name',
  },
  {
    name: 'metadata.namespace not a DNS-1123 label',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: g\n  namespace: a.b\nspec:\n  servers: []\n',
    code: Codes.FIELD_NAME, severity: 'error', line: 5, col: 3, field: 'metadata.namespace',
  },
  {
    name: 'label value not a string',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: g\n  labels:\n    version: 1\n',
    code: Codes.FIELD_TYPE, severity: 'error', line: 6, col: 5, field: 'metadata.labels.version',
  },
  {
    name: 'spec not a map',
    yaml: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: [1]\n',
    code: Codes.FIELD_TYPE, severity: 'error', line: 4, col: 1, field: 'spec',
  },
  // ---- field types and ranges (VirtualService route weight)
  { name: 'weight is a string', yaml: VS_ROUTE('"80"'), code: Codes.FIELD_TYPE, severity: 'error', line: 10, col: 7, field: 'spec.tcp[0].route[0].weight' },
  { name: 'weight is a float', yaml: VS_ROUTE('1.5'), code: Codes.FIELD_NOT_INTEGER, severity: 'error', line: 10, col: 7, field: 'spec.tcp[0].route[0].weight' },
  { name: 'weight over int32', yaml: VS_ROUTE('2147483648'), code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 7, field: 'spec.tcp[0].route[0].weight' },
  {
    name: 'destination host missing',
    yaml: istio('VirtualService', '  tcp:\n  - route:\n    - destination:\n        subset: v1\n  hosts: [a]\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 8, col: 7, field: 'spec.tcp[0].route[0].destination.host',
  },
  {
    name: 'route missing',
    yaml: istio('VirtualService', '  tcp:\n  - match:\n    - port: 1\n  hosts: [a]\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.tcp[0].route',
  },
  {
    name: 'route empty',
    yaml: istio('VirtualService', '  tcp:\n  - route: []\n  hosts: [a]\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.tcp[0].route',
  },
  {
    name: 'hosts not a list',
    yaml: istio('VirtualService', '  hosts: tcp-echo\n'),
    code: Codes.FIELD_TYPE, severity: 'error', line: 6, col: 3, field: 'spec.hosts',
  },
  {
    name: 'gateways item not a string',
    yaml: istio('VirtualService', '  gateways:\n  - {name: g}\n'),
    code: Codes.FIELD_TYPE, severity: 'error', line: 7, col: 5, field: 'spec.gateways[0]',
  },
  {
    name: 'match port out of range',
    yaml: istio('VirtualService', '  tcp:\n  - match:\n    - port: 0\n    route:\n    - destination: {host: a}\n'),
    code: Codes.PORT_RANGE, severity: 'error', line: 8, col: 7, field: 'spec.tcp[0].match[0].port',
  },
  {
    name: 'destination port out of range',
    yaml: istio('VirtualService', '  tcp:\n  - route:\n    - destination:\n        host: a\n        port: {number: 65536}\n'),
    code: Codes.PORT_RANGE, severity: 'error', line: 10, col: 16, field: 'spec.tcp[0].route[0].destination.port.number',
  },
  {
    name: 'sourceLabels cannot be honoured',
    yaml: istio('VirtualService', '  tcp:\n  - match:\n    - sourceLabels: {app: a}\n    route:\n    - destination: {host: a}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 8, col: 7, field: 'spec.tcp[0].match[0].sourceLabels',
  },
  {
    name: 'destinationSubnets cannot be honoured',
    yaml: istio('VirtualService', '  tcp:\n  - match:\n    - port: 1\n      destinationSubnets: [10.0.0.0/8]\n    route:\n    - destination: {host: a}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 9, col: 7, field: 'spec.tcp[0].match[0].destinationSubnets',
  },
  {
    name: 'http routes skipped',
    yaml: istio('VirtualService', '  http:\n  - route: []\n'),
    code: Codes.ROUTE_SKIPPED, severity: 'warning', line: 6, col: 3, field: 'spec.http',
  },
  {
    name: 'tls rule without a match (Istio requires sniHosts)',
    yaml: istio('VirtualService', '  tls:\n  - route:\n    - destination: {host: a}\n  hosts: [a]\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.tls[0].match',
  },
  {
    name: 'unknown field in destination',
    yaml: istio('VirtualService', '  tcp:\n  - route:\n    - destination:\n        host: a\n        hots: b\n'),
    code: Codes.FIELD_UNKNOWN, severity: 'warning', line: 10, col: 9, field: 'spec.tcp[0].route[0].destination.hots',
  },
  // ---- Gateway
  {
    name: 'server port number missing',
    yaml: istio('Gateway', '  servers:\n  - port:\n      protocol: TCP\n      name: tcp\n    hosts: ["*"]\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.servers[0].port.number',
  },
  {
    name: 'server protocol missing',
    yaml: istio('Gateway', '  servers:\n  - port:\n      number: 1\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.servers[0].port.protocol',
  },
  {
    name: 'server port out of range',
    yaml: istio('Gateway', '  servers:\n  - port:\n      number: 70000\n      protocol: TCP\n'),
    code: Codes.PORT_RANGE, severity: 'error', line: 8, col: 7, field: 'spec.servers[0].port.number',
  },
  {
    name: 'server port a float',
    yaml: istio('Gateway', '  servers:\n  - port:\n      number: 31400.5\n      protocol: TCP\n'),
    code: Codes.FIELD_NOT_INTEGER, severity: 'error', line: 8, col: 7, field: 'spec.servers[0].port.number',
  },
  {
    name: 'server port name not a DNS-1123 label',
    yaml: istio('Gateway', '  servers:\n  - port:\n      number: 1\n      name: "tcp 1"\n      protocol: TCP\n'),
    code: Codes.FIELD_NAME, severity: 'error', line: 9, col: 7, field: 'spec.servers[0].port.name',
  },
  {
    name: 'non-TCP server skipped',
    yaml: istio('Gateway', '  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n'),
    code: Codes.SERVER_SKIPPED, severity: 'warning', line: 7, col: 5, field: 'spec.servers[0]',
  },
  {
    name: 'tls on a TCP server (Istio rejects it)',
    yaml: istio('Gateway', '  servers:\n  - port: {number: 1, protocol: TCP}\n    tls: {mode: SIMPLE}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 8, col: 5, field: 'spec.servers[0].tls',
  },
  {
    name: 'unknown spec field',
    yaml: istio('Gateway', '  servers: []\n  colour: blue\n'),
    code: Codes.FIELD_UNKNOWN, severity: 'warning', line: 7, col: 3, field: 'spec.colour',
  },
  {
    name: 'unknown top-level field',
    yaml: `${istio('Gateway', '  servers: []\n')}extra: 1\n`,
    code: Codes.FIELD_UNKNOWN, severity: 'warning', line: 7, col: 1, field: 'extra',
  },
  // ---- DestinationRule
  {
    name: 'host missing',
    yaml: istio('DestinationRule', '  subsets: []\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 5, col: 1, field: 'spec.host',
  },
  {
    name: 'host empty',
    yaml: istio('DestinationRule', '  host: ""\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 6, col: 3, field: 'spec.host',
  },
  {
    name: 'subset name missing',
    yaml: istio('DestinationRule', '  host: a\n  subsets:\n  - labels: {version: v1}\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 8, col: 5, field: 'spec.subsets[0].name',
  },
  {
    name: 'subset name not a DNS-1123 label (Istio allows upper case, not _)',
    yaml: istio('DestinationRule', '  host: a\n  subsets:\n  - name: V_1\n'),
    code: Codes.FIELD_NAME, severity: 'error', line: 8, col: 5, field: 'spec.subsets[0].name',
  },
  {
    name: 'load balancer PASSTHROUGH',
    yaml: DR_POLICY('    loadBalancer:\n      simple: PASSTHROUGH\n'),
    code: Codes.FIELD_ENUM, severity: 'error', line: 9, col: 7, field: 'spec.trafficPolicy.loadBalancer.simple',
  },
  {
    name: 'consistentHash without useSourceIp ignored',
    yaml: DR_POLICY('    loadBalancer:\n      consistentHash: {useSourceIp: false}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'warning', line: 9, col: 7, field: 'spec.trafficPolicy.loadBalancer.consistentHash',
  },
  {
    name: 'consistentHash by an HTTP header ignored',
    yaml: DR_POLICY('    loadBalancer:\n      consistentHash:\n        useSourceIp: true\n        httpHeaderName: x-user\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'warning', line: 11, col: 9, field: 'spec.trafficPolicy.loadBalancer.consistentHash.httpHeaderName',
  },
  {
    name: 'simple and consistentHash together',
    yaml: DR_POLICY('    loadBalancer:\n      simple: RANDOM\n      consistentHash: {useSourceIp: true}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'error', line: 10, col: 7, field: 'spec.trafficPolicy.loadBalancer.consistentHash',
  },
  {
    name: 'useSourceIp not a boolean',
    yaml: DR_POLICY('    loadBalancer:\n      consistentHash: {useSourceIp: "yes"}\n'),
    code: Codes.FIELD_TYPE, severity: 'error', line: 9, col: 24, field: 'spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp',
  },
  {
    name: 'maxConnectionDuration of 0s',
    yaml: DR_TCP_POOL('maxConnectionDuration: 0s'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.maxConnectionDuration',
  },
  {
    name: 'TLS mode that is not one (origination itself is judged by the model)',
    yaml: DR_POLICY('    tls:\n      mode: SIMPEL\n'),
    code: Codes.FIELD_ENUM, severity: 'error', line: 9, col: 7, field: 'spec.trafficPolicy.tls.mode',
  },
  {
    name: 'http connection pool ignored',
    yaml: DR_POLICY('    connectionPool:\n      http: {http1MaxPendingRequests: 1}\n'),
    code: Codes.FIELD_UNSUPPORTED, severity: 'warning', line: 9, col: 7, field: 'spec.trafficPolicy.connectionPool.http',
  },
  {
    name: 'connectTimeout not a duration',
    yaml: DR_TCP_POOL('connectTimeout: 10 seconds'),
    code: Codes.FIELD_DURATION, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
  },
  {
    name: 'connectTimeout a number',
    yaml: DR_TCP_POOL('connectTimeout: 10'),
    code: Codes.FIELD_TYPE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
  },
  {
    name: 'connectTimeout zero',
    yaml: DR_TCP_POOL('connectTimeout: 0s'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
  },
  {
    name: 'connectTimeout over 24h',
    yaml: DR_TCP_POOL('connectTimeout: 1193h2m48s'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
  },
  {
    name: 'idleTimeout past 32 bits of milliseconds (was cast to 710ms)',
    yaml: DR_TCP_POOL('idleTimeout: 1193h2m48s'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.idleTimeout',
  },
  {
    name: 'idleTimeout past what a Node timer holds (25 days)',
    yaml: DR_TCP_POOL('idleTimeout: 600h'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.idleTimeout',
  },
  {
    name: 'keepalive time over 32767s',
    yaml: DR_TCP_POOL('tcpKeepalive:\n          time: 1193h2m48s'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 11, col: 11, field: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time',
  },
  {
    name: 'keepalive interval under a second',
    yaml: DR_TCP_POOL('tcpKeepalive:\n          interval: 500ms'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 11, col: 11, field: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.interval',
  },
  {
    name: 'keepalive time not whole seconds',
    yaml: DR_TCP_POOL('tcpKeepalive:\n          time: 1500ms'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 11, col: 11, field: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time',
  },
  {
    name: 'keepalive probes over 127',
    yaml: DR_TCP_POOL('tcpKeepalive:\n          probes: 128'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 11, col: 11, field: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.probes',
  },
  {
    name: 'baseEjectionTime over 24h',
    yaml: DR_POLICY('    outlierDetection:\n      baseEjectionTime: 1193h2m48s\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 9, col: 7, field: 'spec.trafficPolicy.outlierDetection.baseEjectionTime',
  },
  {
    name: 'outlier interval over 24h',
    yaml: DR_POLICY('    outlierDetection:\n      interval: 25h\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 9, col: 7, field: 'spec.trafficPolicy.outlierDetection.interval',
  },
  {
    name: 'maxConnections negative (0 is Istio\'s unset)',
    yaml: DR_TCP_POOL('maxConnections: -1'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 10, col: 9, field: 'spec.trafficPolicy.connectionPool.tcp.maxConnections',
  },
  {
    name: 'keepalive interval bad',
    yaml: DR_TCP_POOL('tcpKeepalive:\n          interval: 5 minutes'),
    code: Codes.FIELD_DURATION, severity: 'error', line: 11, col: 11, field: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.interval',
  },
  {
    name: 'maxEjectionPercent over 100',
    yaml: DR_POLICY('    outlierDetection:\n      maxEjectionPercent: 101\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 9, col: 7, field: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
  },
  {
    name: 'subset trafficPolicy checked too',
    yaml: istio('DestinationRule', '  host: a\n  subsets:\n  - name: v1\n    trafficPolicy:\n      loadBalancer: {simple: FASTEST}\n'),
    code: Codes.FIELD_ENUM, severity: 'error', line: 10, col: 22, field: 'spec.subsets[0].trafficPolicy.loadBalancer.simple',
  },
  // ---- ServiceEntry
  {
    name: 'hosts missing',
    yaml: istio('ServiceEntry', '  resolution: STATIC\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 5, col: 1, field: 'spec.hosts',
  },
  {
    name: 'hosts empty',
    yaml: istio('ServiceEntry', '  hosts: []\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 6, col: 3, field: 'spec.hosts',
  },
  {
    name: 'port name missing',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  ports:\n  - number: 9000\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 8, col: 5, field: 'spec.ports[0].name',
  },
  {
    name: 'ServiceEntry port name not a DNS-1123 label',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  ports:\n  - number: 9000\n    name: __proto__\n'),
    code: Codes.FIELD_NAME, severity: 'error', line: 9, col: 5, field: 'spec.ports[0].name',
  },
  {
    name: 'endpoint ports key not a DNS-1123 label',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  endpoints:\n  - address: 10.0.0.1\n    ports:\n      to_string: 9000\n'),
    code: Codes.FIELD_NAME, severity: 'error', line: 10, col: 7, field: 'spec.endpoints[0].ports.to_string',
  },
  {
    name: 'targetPort out of range',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  ports:\n  - number: 9000\n    name: tcp\n    targetPort: -1\n'),
    code: Codes.PORT_RANGE, severity: 'error', line: 10, col: 5, field: 'spec.ports[0].targetPort',
  },
  {
    name: 'bad resolution',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  resolution: MAGIC\n'),
    code: Codes.FIELD_ENUM, severity: 'error', line: 7, col: 3, field: 'spec.resolution',
  },
  {
    name: 'endpoint port out of range',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  endpoints:\n  - address: 10.0.0.1\n    ports:\n      tcp: 65536\n'),
    code: Codes.PORT_RANGE, severity: 'error', line: 10, col: 7, field: 'spec.endpoints[0].ports.tcp',
  },
  {
    name: 'endpoint weight negative',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  endpoints:\n  - address: 10.0.0.1\n    weight: -1\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 9, col: 5, field: 'spec.endpoints[0].weight',
  },
  {
    name: 'endpoint address missing',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  endpoints:\n  - labels: {version: v1}\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 8, col: 5, field: 'spec.endpoints[0].address',
  },
  {
    name: 'endpoint address malformed',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  resolution: DNS\n  endpoints:\n  - address: "bad host!"\n'),
    code: Codes.FIELD_ADDRESS, severity: 'error', line: 9, col: 5, field: 'spec.endpoints[0].address',
  },
  {
    name: 'workloadSelector and endpoints together',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  workloadSelector:\n    labels: {app: a}\n  endpoints:\n  - address: 1.2.3.4\n'),
    code: Codes.FIELD_EXCLUSIVE, severity: 'error', line: 7, col: 3, field: 'spec.workloadSelector',
  },
  {
    name: 'ServiceEntry port protocol unknown',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  ports:\n  - {number: 1, name: tcp, protocol: TPC}\n'),
    code: Codes.UNKNOWN_PROTOCOL, severity: 'error', line: 8, col: 28, field: 'spec.ports[0].protocol',
  },
  {
    name: 'Gateway server protocol unknown',
    yaml: istio('Gateway', '  servers:\n  - port:\n      number: 1\n      protocol: TPC\n'),
    code: Codes.UNKNOWN_PROTOCOL, severity: 'error', line: 9, col: 7, field: 'spec.servers[0].port.protocol',
  },
  {
    name: 'Gateway server TLS without tls settings (Istio requires them)',
    yaml: istio('Gateway', '  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.servers[0].tls',
  },
  // ---- WorkloadEntry, Service, EndpointSlice
  {
    name: 'WorkloadEntry without address',
    yaml: istio('WorkloadEntry', '  labels: {app: a}\n'),
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 5, col: 1, field: 'spec.address',
  },
  {
    name: 'WorkloadEntry address not an address',
    yaml: istio('WorkloadEntry', '  address: "10.0.0.1:80"\n'),
    code: Codes.FIELD_ADDRESS, severity: 'error', line: 6, col: 3, field: 'spec.address',
  },
  {
    name: 'WorkloadEntry port out of range',
    yaml: istio('WorkloadEntry', '  address: 10.0.0.1\n  ports:\n    tcp: 70000\n'),
    code: Codes.PORT_RANGE, severity: 'error', line: 8, col: 5, field: 'spec.ports.tcp',
  },
  {
    name: 'WorkloadEntry port name not a label',
    yaml: istio('WorkloadEntry', '  address: 10.0.0.1\n  ports:\n    Tcp_1: 9000\n'),
    code: Codes.FIELD_NAME, severity: 'error', line: 8, col: 5, field: 'spec.ports.Tcp_1',
  },
  {
    name: 'WorkloadEntry negative weight',
    yaml: istio('WorkloadEntry', '  address: 10.0.0.1\n  weight: -1\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 7, col: 3, field: 'spec.weight',
  },
  {
    name: 'WorkloadEntry unknown field',
    yaml: istio('WorkloadEntry', '  address: 10.0.0.1\n  wieght: 1\n'),
    code: Codes.FIELD_UNKNOWN, severity: 'warning', line: 7, col: 3, field: 'spec.wieght',
  },
  {
    name: 'Service port without a number',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - name: tcp\n',
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 6, col: 5, field: 'spec.ports[0].port',
  },
  {
    name: 'Service with two ports, one unnamed',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {name: a, port: 1}\n  - {port: 2}\n',
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 7, col: 5, field: 'spec.ports[1].name',
  },
  {
    name: 'Service targetPort neither number nor name',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 1, targetPort: [1]}\n',
    code: Codes.FIELD_TYPE, severity: 'error', line: 6, col: 15, field: 'spec.ports[0].targetPort',
  },
  {
    name: 'Service name not a DNS-1123 label',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: a.b}\nspec: {}\n',
    code: Codes.FIELD_NAME, severity: 'error', line: 3, col: 12, field: 'metadata.name',
  },
  {
    name: 'Service UDP port',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 53, protocol: UDP}\n',
    code: Codes.FIELD_UNSUPPORTED, severity: 'warning', line: 6, col: 16, field: 'spec.ports[0].protocol',
  },
  {
    name: 'Service appProtocol unknown',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 1, appProtocol: TPC}\n',
    code: Codes.UNKNOWN_PROTOCOL, severity: 'warning', line: 6, col: 15, field: 'spec.ports[0].appProtocol',
  },
  {
    name: 'EndpointSlice without the service-name label',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\naddressType: IPv4\n',
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 3, col: 1, field: 'metadata.labels',
  },
  {
    name: 'EndpointSlice without addressType',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n  labels: {kubernetes.io/service-name: a}\n',
    code: Codes.FIELD_REQUIRED, severity: 'error', line: 1, col: 1, field: 'addressType',
  },
  {
    name: 'EndpointSlice address not an IP',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n  labels: {kubernetes.io/service-name: a}\naddressType: IPv4\nendpoints:\n- addresses: [db.local]\n',
    code: Codes.FIELD_ADDRESS, severity: 'error', line: 8, col: 15, field: 'endpoints[0].addresses[0]',
  },
  {
    name: 'EndpointSlice ready not a boolean',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n  labels: {kubernetes.io/service-name: a}\naddressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: "no"}\n',
    code: Codes.FIELD_TYPE, severity: 'error', line: 9, col: 16, field: 'endpoints[0].conditions.ready',
  },
  {
    name: 'EndpointSlice unknown top-level field',
    yaml: 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n  labels: {kubernetes.io/service-name: a}\naddressType: IPv4\nspec: {}\n',
    code: Codes.FIELD_UNKNOWN, severity: 'warning', line: 7, col: 1, field: 'spec',
  },
  {
    name: 'location not an enum value',
    yaml: istio('ServiceEntry', '  hosts: [a]\n  location: SOMEWHERE\n'),
    code: Codes.FIELD_ENUM, severity: 'error', line: 7, col: 3, field: 'spec.location',
  },
  // ---- RolloutPolicy (tcpshift.io/v1alpha1)
  {
    name: 'tcpshift.io kind that does not exist',
    yaml: 'apiVersion: tcpshift.io/v1alpha1\nkind: RolloutPolicie\nmetadata: {name: a}\n',
    code: Codes.UNKNOWN_KIND, severity: 'error', line: 2, col: 1, field: 'kind',
  },
  {
    name: 'tcpshift.io unknown version',
    yaml: 'apiVersion: tcpshift.io/v9\nkind: RolloutPolicy\nmetadata: {name: a}\n',
    code: Codes.UNKNOWN_API_VERSION, severity: 'error', line: 1, col: 1, field: 'apiVersion',
  },
  {
    name: 'steps not increasing',
    yaml: ROLLOUT('  steps: [5, 20, 20]\n'),
    code: Codes.ROLLOUT_STEPS_ORDER, severity: 'error', line: 6, col: 18, field: 'spec.steps[2]',
  },
  {
    name: 'step 100 written',
    yaml: ROLLOUT('  steps: [5, 100]\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 6, col: 14, field: 'spec.steps[1]',
  },
  {
    name: 'step 0',
    yaml: ROLLOUT('  steps: [0]\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 6, col: 11, field: 'spec.steps[0]',
  },
  {
    name: 'step not an integer',
    yaml: ROLLOUT('  steps: [2.5]\n'),
    code: Codes.FIELD_NOT_INTEGER, severity: 'error', line: 6, col: 11, field: 'spec.steps[0]',
  },
  {
    name: 'stepDuration not a duration',
    yaml: ROLLOUT('  stepDuration: 1 minute\n'),
    code: Codes.FIELD_DURATION, severity: 'error', line: 6, col: 3, field: 'spec.stepDuration',
  },
  {
    name: 'analysis interval not a duration',
    yaml: ROLLOUT('  analysis:\n    interval: soon\n'),
    code: Codes.FIELD_DURATION, severity: 'error', line: 7, col: 5, field: 'spec.analysis.interval',
  },
  {
    name: 'threshold zero',
    yaml: ROLLOUT('  analysis:\n    threshold: 0\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 7, col: 5, field: 'spec.analysis.threshold',
  },
  {
    name: 'maxConnectFailurePercent over 100',
    yaml: ROLLOUT('  analysis:\n    maxConnectFailurePercent: 101\n'),
    code: Codes.FIELD_RANGE, severity: 'error', line: 7, col: 5, field: 'spec.analysis.maxConnectFailurePercent',
  },
  {
    name: 'webhook URL not http(s)',
    yaml: ROLLOUT('  analysis:\n    webhooks:\n    - name: smoke\n      url: ftp://127.0.0.1/check\n'),
    code: Codes.ROLLOUT_URL, severity: 'error', line: 9, col: 7, field: 'spec.analysis.webhooks[0].url',
  },
  {
    name: 'prometheus address not a URL',
    yaml: ROLLOUT('  analysis:\n    prometheus:\n    - name: q\n      address: localhost:9090\n      query: up\n'),
    code: Codes.ROLLOUT_URL, severity: 'error', line: 9, col: 7, field: 'spec.analysis.prometheus[0].address',
  },
  {
    name: 'two checks with one name',
    yaml: ROLLOUT('  analysis:\n    webhooks:\n    - {name: smoke, url: "http://a/"}\n    - {name: smoke, url: "http://b/"}\n'),
    code: Codes.ROLLOUT_DUPLICATE_CHECK, severity: 'error', line: 9, col: 8, field: 'spec.analysis.webhooks[1].name',
  },
  {
    name: 'rebalance not a boolean',
    yaml: ROLLOUT('  connections:\n    rebalance: yes please\n'),
    code: Codes.FIELD_TYPE, severity: 'error', line: 7, col: 5, field: 'spec.connections.rebalance',
  },
  {
    name: 'closeWhenIdleFor not a duration',
    yaml: ROLLOUT('  connections:\n    closeWhenIdleFor: idle\n'),
    code: Codes.FIELD_DURATION, severity: 'error', line: 7, col: 5, field: 'spec.connections.closeWhenIdleFor',
  },
  {
    name: 'stickiness not sourceIP',
    yaml: ROLLOUT('  stickiness: cookie\n'),
    code: Codes.FIELD_ENUM, severity: 'error', line: 6, col: 3, field: 'spec.stickiness',
  },
  {
    name: 'unknown RolloutPolicy field',
    yaml: ROLLOUT('  stepz: [5]\n'),
    code: Codes.FIELD_UNKNOWN, severity: 'warning', line: 6, col: 3, field: 'spec.stepz',
  },
];

describe('diagnostic codes and positions', () => {
  test.each(CASES)('$name → $code at $line:$col', (c) => {
    const { diagnostics } = parseOne(c.yaml);
    const hits = diagnostics.filter((d) => d.code === c.code);
    expect(hits.map((d) => [d.line, d.col, d.severity])).toContainEqual([c.line, c.col, c.severity]);
    const hit = hits.find((d) => d.line === c.line && d.col === c.col);
    expect(hit?.file).toBe('m.yaml');
    if (c.field !== undefined) expect(hit?.field).toBe(c.field);
    // One finding, reported once.
    expect(hits).toHaveLength(1);
  });
});

describe('duration bounds: the largest value of each field is accepted', () => {
  test.each([
    ['connectTimeout', 'connectTimeout: 24h'],
    ['idleTimeout', 'idleTimeout: 576h'],
    ['keepalive', 'tcpKeepalive: {time: 32767s, interval: 1s, probes: 127}'],
  ])('%s', (_name, field) => {
    expect(parseOne(DR_TCP_POOL(field)).diagnostics).toEqual([]);
  });
  test('outlier detection', () => {
    expect(parseOne(DR_POLICY('    outlierDetection:\n      interval: 24h\n      baseEjectionTime: 24h\n')).diagnostics).toEqual([]);
  });
});

describe('commit-level caps', () => {
  test('more YAML documents than the per-commit cap → COMMIT_TOO_COMPLEX on the file that crosses it', () => {
    const { diagnostics } = parseOne('a: 1\n---\nb: 2\n---\nc: 3\n', 'm.yaml', { maxFileBytes: 1 << 20, maxTotalBytes: 16 << 20, maxDocuments: 2 });
    expect(diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([[Codes.COMMIT_TOO_COMPLEX, 'm.yaml', 0, 0]]);
  });
});

/** Codes found when a RolloutPolicy is resolved against the whole commit (the model), with the line:col they point at. */
const COMMIT_CASES: readonly Case[] = [
  {
    name: 'targetRef naming no VirtualService',
    yaml: ROLLOUT('  targetRefs:\n  - name: nope\n'),
    code: Codes.ROLLOUT_UNKNOWN_TARGET, severity: 'error', line: 7, col: 5, field: 'spec.targetRefs[0].name',
  },
  {
    name: 'two policies for one VirtualService',
    yaml: `${ROLLOUT('  targetRefs:\n  - name: vs\n')}---\n${ROLLOUT('  targetRefs:\n  - name: vs\n').replace('name: x', 'name: y')}`,
    code: Codes.ROLLOUT_DUPLICATE_TARGET, severity: 'error', line: 15, col: 5, field: 'spec.targetRefs[0].name',
  },
];

describe('diagnostic codes of the commit as a whole', () => {
  test.each(COMMIT_CASES)('$name → $code at $line:$col', (c) => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs}\nspec:\n  hosts: ["*"]\n';
    const { diagnostics } = buildDesired([file('m.yaml', c.yaml), file('vs.yaml', vs)]);
    const hits = diagnostics.filter((d) => d.code === c.code);
    expect(hits.map((d) => [d.file, d.line, d.col, d.severity, d.field])).toEqual([['m.yaml', c.line, c.col, c.severity, c.field]]);
  });
});

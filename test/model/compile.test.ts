import { Codes, type Code } from '../../src/errors';
import { buildDesired } from '../../src/model/desired';
import { DEFAULT_COMPILE_OPTIONS, type RoutingTable } from '../../src/model/types';
import { example8020, exampleManifests, manifestFiles } from '../helpers/manifests';

const GW = (port = 31400, name = 'gw', extra = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: ${port}
      name: tcp
      protocol: TCP
    hosts: ["*"]
${extra}`;

const DR = (subsets = `  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}`, name = 'dr', extra = '') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
spec:
  host: echo
${extra}  subsets:
${subsets}`;

const VS = (route: string, name = 'vs', gateways = '[gw]', match = '    - port: 31400') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts: ["*"]
  gateways: ${gateways}
  tcp:
  - match:
${match}
    route:
${route}`;

const dest = (subset: string, weight?: number, host = 'echo', port = 9000) =>
  `    - destination: {host: ${host}, subset: ${subset}, port: {number: ${port}}}${weight === undefined ? '' : `\n      weight: ${weight}`}`;

const SE = (endpoints = `  - address: 127.0.0.1
    ports: {tcp: 9001}
    labels: {version: v1}
  - address: 127.0.0.1
    ports: {tcp: 9002}
    labels: {version: v2}`, name = 'se', ports = `  - {number: 9000, name: tcp, protocol: TCP}`, host = 'echo', resolution = 'STATIC') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
spec:
  hosts: [${host}]
  ports:
${ports}
  resolution: ${resolution}
  endpoints:
${endpoints}`;

const base = (route = `${dest('v1', 80)}\n${dest('v2', 20)}`) => ({ 'gw.yaml': GW(), 'dr.yaml': DR(), 'vs.yaml': VS(route), 'se.yaml': SE() });

function build(files: Record<string, string>, opts = DEFAULT_COMPILE_OPTIONS) {
  return buildDesired(manifestFiles(files), opts);
}
function table(files: Record<string, string>): RoutingTable {
  const d = build(files);
  if (!d.ok) throw new Error(d.diagnostics.map((x) => `${x.code} ${x.message}`).join('\n'));
  return d.table;
}
function errorCodes(files: Record<string, string>): Code[] {
  const d = build(files);
  return d.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code);
}
function warningCodes(files: Record<string, string>): Code[] {
  return build(files).diagnostics.filter((x) => x.severity === 'warning').map((x) => x.code);
}

describe('compile: the walkthrough manifests', () => {
  test('Istio samples plus the ServiceEntry give one listener on 31400, all to v1', () => {
    const t = table(exampleManifests());
    expect(t.listeners).toHaveLength(1);
    const l = t.listeners[0]!;
    expect([l.address, l.port, l.key, l.gateway]).toEqual(['0.0.0.0', 31400, '0.0.0.0:31400', 'default/tcp-echo-gateway']);
    expect(l.route.virtualService).toBe('default/tcp-echo');
    expect(l.route.destinations.map((d) => [d.subset, d.percent, d.endpoints.map((e) => e.key)])).toEqual([['v1', 100, ['127.0.0.1:9000']]]);
  });

  test('the 80/20 VirtualService gives 80% v1 and 20% v2', () => {
    const l = table(example8020()).listeners[0]!;
    expect(l.route.destinations.map((d) => [d.subset, d.weight, d.percent, d.endpoints.map((e) => e.key)])).toEqual([
      ['v1', 80, 80, ['127.0.0.1:9000']],
      ['v2', 20, 20, ['127.0.0.1:9001']],
    ]);
  });

  test('Kubernetes kinds in the samples are warnings, not errors', () => {
    const d = build(exampleManifests());
    expect(d.ok).toBe(true);
    expect(d.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(d.diagnostics.map((x) => x.code)).toContain(Codes.KIND_SKIPPED);
  });

  test('the table is deeply frozen', () => {
    const t = table(example8020());
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.listeners[0]!.route.destinations[1]!.endpoints[0])).toBe(true);
    expect(Object.isFrozen(t.listeners[0]!.route.destinations[0]!.policy)).toBe(true);
  });
});

describe('compile: semantic errors, one code each', () => {
  const cases: [string, Record<string, string>, Code][] = [
    ['negative weight', base(`${dest('v1', 120)}\n${dest('v2', -20)}`), Codes.WEIGHT_NEGATIVE],
    ['zero total weight', base(`${dest('v1', 0)}\n${dest('v2', 0)}`), Codes.WEIGHT_ZERO_TOTAL],
    ['unknown host', base(dest('v1', 100, 'nope')), Codes.UNKNOWN_HOST],
    ['unknown subset', base(`${dest('v1', 50)}\n${dest('v3', 50)}`), Codes.UNKNOWN_SUBSET],
    ['subset selecting no endpoint', { ...base(), 'se.yaml': SE(`  - address: 127.0.0.1\n    labels: {version: v1}`) }, Codes.EMPTY_SUBSET],
    ['two listeners on one address:port', { ...base(), 'gw2.yaml': GW(31400, 'gw2') }, Codes.LISTENER_CONFLICT],
    ['duplicate resource name', { ...base(), 'vs2.yaml': VS(dest('v1', 1)) }, Codes.DUPLICATE_RESOURCE],
    ['gateway without servers', { ...base(), 'gw.yaml': 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  servers: []\n' }, Codes.GATEWAY_NO_SERVERS],
    ['unknown gateway', { ...base(), 'vs.yaml': VS(dest('v1'), 'vs', '[gw, elsewhere]') }, Codes.UNKNOWN_GATEWAY],
    ['unknown destination port', base(dest('v1', 100, 'echo', 9999)), Codes.UNKNOWN_PORT],
    ['port required with a multi-port service', {
      ...base('    - destination: {host: echo, subset: v1}'),
      'se.yaml': SE(undefined, 'se', '  - {number: 9000, name: tcp}\n  - {number: 9100, name: tcp-other}'),
    }, Codes.PORT_REQUIRED],
    ['duplicate subset', { ...base(), 'dr.yaml': DR('  - name: v1\n    labels: {version: v1}\n  - name: v1\n    labels: {version: v2}') }, Codes.DUPLICATE_SUBSET],
    ['two DestinationRules for one host', { ...base(), 'dr2.yaml': DR(undefined, 'dr2') }, Codes.DUPLICATE_DESTINATION_RULE],
    ['two ServiceEntries for one host', { ...base(), 'se2.yaml': SE(undefined, 'se2') }, Codes.AMBIGUOUS_HOST],
    ['hostname with resolution STATIC', { ...base(), 'se.yaml': SE('  - address: backend.example\n    labels: {version: v1}\n  - address: 127.0.0.1\n    labels: {version: v2}') }, Codes.FIELD_ADDRESS],
    ['same destination twice', base(`${dest('v1', 50)}\n${dest('v1', 50)}`), Codes.DUPLICATE_DESTINATION],
    ['bind that is not an IP', { ...base(), 'gw.yaml': GW(31400, 'gw', '    bind: localhost') }, Codes.FIELD_ADDRESS],
  ];
  test.each(cases)('%s → %s', (_name, files, code) => {
    const d = build(files);
    expect(d.ok).toBe(false);
    expect(errorCodes(files)).toContain(code);
  });

  test.each(cases)('%s: the diagnostic names a file and a line', (_name, files, code) => {
    const diag = build(files).diagnostics.find((x) => x.code === code)!;
    expect(Object.keys(files)).toContain(diag.file);
    expect(diag.line).toBeGreaterThan(0);
    expect(diag.col).toBeGreaterThan(0);
  });

  test('a clash names both files', () => {
    const dup = build({ ...base(), 'vs2.yaml': VS(dest('v1', 1)) }).diagnostics.find((x) => x.code === Codes.DUPLICATE_RESOURCE)!;
    expect(new Set([dup.file, dup.related?.file])).toEqual(new Set(['vs.yaml', 'vs2.yaml']));
    const clash = build({ ...base(), 'gw2.yaml': GW(31400, 'gw2') }).diagnostics.find((x) => x.code === Codes.LISTENER_CONFLICT)!;
    expect(new Set([clash.file, clash.related?.file])).toEqual(new Set(['gw.yaml', 'gw2.yaml']));
  });

  test('every error is returned at once', () => {
    const files = { ...base(`${dest('v1', -1)}\n${dest('v9', 5)}\n${dest('v2', 1, 'ghost')}`), 'gw2.yaml': GW(31400, 'gw2') };
    expect(new Set(errorCodes(files))).toEqual(new Set([Codes.WEIGHT_NEGATIVE, Codes.UNKNOWN_SUBSET, Codes.UNKNOWN_HOST, Codes.LISTENER_CONFLICT]));
  });

  test('weight 0 on an empty subset is only a warning', () => {
    const files = { ...base(`${dest('v1', 100)}\n${dest('v2', 0)}`), 'se.yaml': SE('  - address: 127.0.0.1\n    labels: {version: v1}') };
    expect(errorCodes(files)).toEqual([]);
    expect(warningCodes(files)).toContain(Codes.EMPTY_SUBSET);
  });
});

describe('compile: warnings that keep the commit valid', () => {
  test.each<[string, Record<string, string>, Code]>([
    ['a Gateway for another proxy', { ...base(), 'gw2.yaml': GW(31401, 'gw2').replace('istio: ingressgateway', 'istio: egressgateway') }, Codes.GATEWAY_SELECTOR_MISMATCH],
    ['a server no rule matches', { ...base(), 'gw.yaml': GW(31400, 'gw', '  - port: {number: 31401, name: other, protocol: TCP}\n    hosts: ["*"]') }, Codes.LISTENER_NO_ROUTE],
    ['a rule behind a match-all rule', { ...base(), 'vs.yaml': `${VS(dest('v1'))}\n  - route:\n${dest('v2')}`.replace('  - match:\n    - port: 31400\n', '  - match: []\n') }, Codes.RULE_UNREACHABLE],
    ['a DestinationRule for an unknown host', { ...base(), 'dr2.yaml': DR(undefined, 'dr2').replace('host: echo', 'host: other') }, Codes.UNKNOWN_HOST],
  ])('%s → %s', (_n, files, code) => {
    expect(errorCodes(files)).toEqual([]);
    expect(warningCodes(files)).toContain(code);
  });

  test('a Gateway for another proxy opens no listener', () => {
    const files = { ...base(), 'gw.yaml': GW().replace('istio: ingressgateway', 'istio: egressgateway') };
    expect(table(files).listeners).toEqual([]);
  });
});

describe('compile: routing semantics', () => {
  test('a lone destination takes everything, with or without a weight', () => {
    for (const w of [undefined, 0, 7, 100]) {
      const d = table(base(dest('v2', w))).listeners[0]!.route.destinations;
      expect(d.map((x) => x.percent)).toEqual([100]);
    }
  });

  test('weights are relative and need not sum to 100', () => {
    const d = table(base(`${dest('v1', 1)}\n${dest('v2', 3)}`)).listeners[0]!.route.destinations;
    expect(d.map((x) => x.percent)).toEqual([25, 75]);
    const z = table(base(`${dest('v1', 0)}\n${dest('v2', 3)}`)).listeners[0]!.route.destinations;
    expect(z.map((x) => x.percent)).toEqual([0, 100]);
  });

  test('more endpoints in v1 do not change the split', () => {
    const eps = [9001, 9003, 9004].map((p) => `  - address: 127.0.0.1\n    ports: {tcp: ${p}}\n    labels: {version: v1}`).join('\n');
    const t = table({ ...base(), 'se.yaml': SE(`${eps}\n  - address: 127.0.0.1\n    ports: {tcp: 9002}\n    labels: {version: v2}`) });
    const [v1, v2] = t.listeners[0]!.route.destinations;
    expect([v1!.percent, v1!.endpoints.length, v2!.percent, v2!.endpoints.length]).toEqual([80, 3, 20, 1]);
  });

  test('endpoint port: ports[name], else targetPort, else the service port', () => {
    const se = (ports: string, epPorts: string) => SE(`  - address: 127.0.0.1\n${epPorts}    labels: {version: v1}\n  - address: 127.0.0.2\n    labels: {version: v2}`, 'se', ports);
    const port = (files: Record<string, string>) => table(files).listeners[0]!.route.destinations[0]!.endpoints[0]!.port;
    expect(port({ ...base(), 'se.yaml': se('  - {number: 9000, name: tcp, targetPort: 7000}', '    ports: {tcp: 8000}\n') })).toBe(8000);
    expect(port({ ...base(), 'se.yaml': se('  - {number: 9000, name: tcp, targetPort: 7000}', '') })).toBe(7000);
    expect(port({ ...base(), 'se.yaml': se('  - {number: 9000, name: tcp}', '') })).toBe(9000);
  });

  test('subset traffic policy overrides the rule-wide one field by field', () => {
    const subsets = `  - name: v1
    labels: {version: v1}
    trafficPolicy:
      connectionPool:
        tcp: {connectTimeout: 250ms}
  - name: v2
    labels: {version: v2}`;
    const top = `  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool:
      tcp: {maxConnections: 7, connectTimeout: 2s, idleTimeout: 0s}
`;
    const [v1, v2] = table({ ...base(), 'dr.yaml': DR(subsets, 'dr', top) }).listeners[0]!.route.destinations;
    expect(v1!.policy).toMatchObject({ loadBalancer: 'ROUND_ROBIN', connectTimeoutMs: 250, maxConnections: 7, idleTimeoutMs: 0 });
    expect(v2!.policy).toMatchObject({ loadBalancer: 'ROUND_ROBIN', connectTimeoutMs: 2000, maxConnections: 7, idleTimeoutMs: 0 });
  });

  test('default policy is LEAST_REQUEST, 10s connect timeout, 1h idle timeout', () => {
    const p = table(base()).listeners[0]!.route.destinations[0]!.policy;
    expect(p).toEqual({ loadBalancer: 'LEAST_REQUEST', connectTimeoutMs: 10_000, idleTimeoutMs: 3_600_000, maxConnectionDurationMs: 0, maxConnections: null, tcpKeepalive: null, outlierDetection: null, proxyProtocol: null });
  });

  test('the first matching rule wins; match blocks are ORed; port must match', () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - match:
    - port: 31401
    - port: 31402
    route:
${dest('v2')}
  - route:
${dest('v1')}`;
    const gw = GW(31400, 'gw', '  - port: {number: 31401, name: b, protocol: TCP}\n    hosts: ["*"]\n  - port: {number: 31402, name: c, protocol: TCP}\n    hosts: ["*"]');
    const t = table({ ...base(), 'gw.yaml': gw, 'vs.yaml': vs });
    expect(t.listeners.map((l) => [l.port, l.route.rule, l.route.destinations[0]!.subset])).toEqual([[31400, 1, 'v1'], [31401, 0, 'v2'], [31402, 0, 'v2']]);
  });

  test('bind and --listen-host choose the address', () => {
    expect(table(base(), ).listeners[0]!.address).toBe('0.0.0.0');
    const d = build(base(), { ...DEFAULT_COMPILE_OPTIONS, listenHost: '127.0.0.1' });
    expect(d.ok && d.table.listeners[0]!.key).toBe('127.0.0.1:31400');
    expect(table({ ...base(), 'gw.yaml': GW(31400, 'gw', '    bind: 127.0.0.5') }).listeners[0]!.key).toBe('127.0.0.5:31400');
  });

  test('two binds on one port are fine when neither is the wildcard', () => {
    const gw = GW(31400, 'gw', '    bind: 127.0.0.1\n  - port: {number: 31400, name: b, protocol: TCP}\n    bind: 127.0.0.2\n    hosts: ["*"]');
    expect(table({ ...base(), 'gw.yaml': gw }).listeners.map((l) => l.key)).toEqual(['127.0.0.1:31400', '127.0.0.2:31400']);
  });

  test('gateway labels decide which Gateways this proxy serves', () => {
    const files = { ...base(), 'gw.yaml': GW().replace('istio: ingressgateway', 'app: edge') };
    const d = build(files, { ...DEFAULT_COMPILE_OPTIONS, gatewayLabels: { app: 'edge', zone: 'a' } });
    expect(d.ok && d.table.listeners.length).toBe(1);
  });

  test('short host names resolve in the resource namespace', () => {
    const other = (s: string) => s.replace(/metadata:\n  name: (\w+)/, 'metadata:\n  name: $1\n  namespace: other');
    expect(errorCodes({ ...base(), 'se.yaml': other(SE()), 'dr.yaml': other(DR()) })).toContain(Codes.UNKNOWN_HOST);
    const fq = base(`${dest('v1', 80, 'echo.other.svc.cluster.local')}\n${dest('v2', 20, 'echo.other.svc.cluster.local')}`);
    const files = { ...fq, 'se.yaml': other(SE()), 'dr.yaml': other(DR()) };
    expect(errorCodes(files)).toEqual([]);
  });

  test('DNS resolution without endpoints dials the host itself', () => {
    const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext}
spec:
  hosts: [db.example.com]
  ports: [{number: 5432, name: tcp}]
  resolution: DNS`;
    const vs = VS('    - destination: {host: db.example.com}');
    const t = table({ 'gw.yaml': GW(), 'vs.yaml': vs, 'se.yaml': se });
    expect(t.listeners[0]!.route.destinations[0]!.endpoints.map((e) => e.key)).toEqual(['db.example.com:5432']);
  });
});

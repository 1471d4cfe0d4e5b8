/** Istio TLS passthrough compiled: one listener entry per SNI route on a socket, a tcp rule as its fallback, Istio's conflict rules. */
import { Codes, type Code, type Diagnostic } from '../../src/errors';
import { entryKey, socketOf } from '../../src/model/address';
import { buildDesired } from '../../src/model/desired';
import { DEFAULT_COMPILE_OPTIONS, type Listener, type RoutingTable } from '../../src/model/types';
import { manifestFiles } from '../helpers/manifests';

/** A Gateway with a TLS passthrough server on 443 (hosts `hosts`) and a TCP server on 5000. */
const GW = (hosts = '["*"]', extra = '', meta = '', name = 'gw') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
${meta}spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: ${hosts}
  - port: {number: 5000, name: tcp, protocol: TCP}
    hosts: ["*"]
${extra}`;

/** ServiceEntries `a`, `b`, `c` (port 8443), each with v1 and v2 endpoints. */
const SE = ['a', 'b', 'c'].map((h, i) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${h}
spec:
  hosts: [${h}]
  ports: [{number: 8443, name: tls, protocol: TLS}]
  resolution: STATIC
  endpoints:
  - {address: 127.0.0.1, ports: {tls: ${9100 + i * 2}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {tls: ${9101 + i * 2}}, labels: {version: v2}}
`).join('---\n');

const DR = ['a', 'b', 'c'].map((h) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${h}
spec:
  host: ${h}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`).join('---\n');

/** A tls rule: `- match: [{sniHosts: …}] route: [host]` with optional extra match fields. */
const TLS = (sni: string, host: string, match = '', route = '') =>
  `  - match:\n    - sniHosts: ${sni}\n${match}    route:\n${route || `    - destination: {host: ${host}}\n`}`;

const VS = (rules: string, name = 'vs', hosts = '["*.example.com"]', tcp = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts: ${hosts}
  gateways: [gw]
  tls:
${rules}${tcp}`;

const TCP_FALLBACK = `  tcp:
  - match: [{port: 443}]
    route:
    - destination: {host: c}
`;

function build(files: Record<string, string>) {
  return buildDesired(manifestFiles({ 'gw.yaml': GW(), 'se.yaml': SE, 'dr.yaml': DR, ...files }), DEFAULT_COMPILE_OPTIONS);
}
function table(files: Record<string, string>): RoutingTable {
  const d = build(files);
  if (!d.ok) throw new Error(d.diagnostics.map((x) => `${x.code} ${x.message}`).join('\n'));
  return d.table;
}
/** Diagnostics other than the TCP server's (port 5000) LISTENER_NO_ROUTE, which most cases leave unrouted. */
const mine = (ds: readonly Diagnostic[]) => ds.filter((d) => !(d.code === Codes.LISTENER_NO_ROUTE && d.field === 'spec.servers[1]'));
const codes = (ds: readonly Diagnostic[], severity: 'error' | 'warning') => mine(ds).filter((d) => d.severity === severity).map((d) => d.code);
function errorsOf(files: Record<string, string>): Diagnostic[] {
  return build(files).diagnostics.filter((d) => d.severity === 'error');
}
/** What the data plane keys on: key, sni, tls flag, and the route's rule. */
const shape = (l: Listener) => ({
  key: l.key, sni: l.sni, tls: l.tls, rule: `${l.route.virtualService} ${l.route.section ?? 'tcp'}[${l.route.rule}]`,
  to: l.route.destinations.map((d) => `${d.host}${d.subset ? `/${d.subset}` : ''} ${d.percent}%`).join(', '),
});

describe('the compiled table', () => {
  test('two SNI rules and a tcp fallback share one socket: three entries, every one tls', () => {
    const t = table({
      'vs.yaml': VS(TLS('[a.example.com, "*.a.example.com"]', 'a') + TLS('[B.example.com]', 'b'), 'vs', '["*.example.com"]', TCP_FALLBACK),
    });
    const on443 = t.listeners.filter((l) => l.port === 443);
    expect(on443.map(shape)).toEqual([
      { key: '0.0.0.0:443', sni: undefined, tls: true, rule: 'default/vs tcp[0]', to: 'c 100%' },
      { key: '0.0.0.0:443 sni=a.example.com', sni: ['a.example.com', '*.a.example.com'], tls: true, rule: 'default/vs tls[0]', to: 'a 100%' },
      { key: '0.0.0.0:443 sni=b.example.com', sni: ['b.example.com'], tls: true, rule: 'default/vs tls[1]', to: 'b 100%' },
    ]);
    // The shared shapes: keys from entryKey, one socket.
    for (const l of on443) expect(l.key).toBe(entryKey(l.address, l.port, l.sni));
    expect(new Set(on443.map(socketOf))).toEqual(new Set(['0.0.0.0:443']));
    expect(on443.every((l) => l.gateway === 'default/gw' && l.portName === 'tls')).toBe(true);
    // The TCP server is untouched: no tls flag, no sni.
    expect(t.listeners.filter((l) => l.port === 5000)).toEqual([]);
  });

  test('weighted routes: the same Destination model as tcp rules (subsets, ports, percent)', () => {
    const route = '    - destination: {host: a, subset: v1, port: {number: 8443}}\n      weight: 80\n    - destination: {host: a, subset: v2}\n      weight: 20\n';
    const t = table({ 'vs.yaml': VS(TLS('[a.example.com]', 'a', '', route)) });
    const [l] = t.listeners;
    expect(l && shape(l)).toEqual({ key: '0.0.0.0:443 sni=a.example.com', sni: ['a.example.com'], tls: true, rule: 'default/vs tls[0]', to: 'a/v1 80%, a/v2 20%' });
    expect(l?.route.destinations.map((d) => [d.key, d.endpoints.map((e) => e.key)])).toEqual([
      ['a|v1|8443', ['127.0.0.1:9100']], ['a|v2|8443', ['127.0.0.1:9101']],
    ]);
    expect(Object.isFrozen(l)).toBe(true);
  });

  test('sniHosts "*" is the socket fallback (Istio drops the SNI match for it); a tcp rule on the port is then unreachable', () => {
    const d = build({ 'vs.yaml': VS(TLS('[a.example.com]', 'a') + TLS('["*"]', 'b'), 'vs', '["*"]', TCP_FALLBACK) });
    expect(d.ok && d.table.listeners.map(shape)).toEqual([
      { key: '0.0.0.0:443', sni: undefined, tls: true, rule: 'default/vs tls[1]', to: 'b 100%' },
      { key: '0.0.0.0:443 sni=a.example.com', sni: ['a.example.com'], tls: true, rule: 'default/vs tls[0]', to: 'a 100%' },
    ]);
    expect(mine(d.diagnostics).map((x) => `${x.code}:${x.field}`)).toEqual([`${Codes.RULE_UNREACHABLE}:spec.tcp[0]`]);
  });

  test('a rule with several matches on one socket is one entry with every name, in written order', () => {
    const rules = '  - match:\n    - sniHosts: [x.example.com]\n    - sniHosts: [y.example.com, x2.example.com]\n      port: 443\n    - sniHosts: [z.example.com]\n      port: 5000\n    route:\n    - destination: {host: a}\n';
    const t = table({ 'vs.yaml': VS(rules) });
    expect(t.listeners.map((l) => [l.key, l.sni])).toEqual([['0.0.0.0:443 sni=x.example.com', ['x.example.com', 'y.example.com', 'x2.example.com']]]);
  });

  test('match.port and match.gateways pick the server; a second passthrough Gateway gets its own entries', () => {
    const gw2 = GW('["*"]', '', '', 'gw2').replace('number: 443', 'number: 8443').replace(/  - port: \{number: 5000[^]*$/, '');
    const rules = TLS('[a.example.com]', 'a', '      gateways: [gw2]\n') + TLS('[a.example.com]', 'b', '      port: 443\n');
    const vs = VS(rules).replace('gateways: [gw]', 'gateways: [gw, gw2]');
    const t = table({ 'gw2.yaml': gw2, 'vs.yaml': vs });
    expect(t.listeners.map(shape).map((s) => `${s.key} ${s.rule} → ${s.to}`)).toEqual([
      '0.0.0.0:443 sni=a.example.com default/vs tls[1] → b 100%',
      '0.0.0.0:8443 sni=a.example.com default/vs tls[0] → a 100%',
    ]);
  });

  test('the accept-proxy-protocol annotation marks every entry of the Gateway, TCP and TLS alike', () => {
    const meta = '  annotations:\n    tcpshift.io/accept-proxy-protocol: "true"\n';
    const tcp = '  tcp:\n  - route:\n    - destination: {host: c}\n';
    const t = table({ 'gw.yaml': GW('["*"]', '', meta), 'vs.yaml': VS(TLS('[a.example.com]', 'a'), 'vs', '["*.example.com"]', tcp) });
    expect(t.listeners.map((l) => [l.key, l.acceptProxyProtocol, l.tls])).toEqual([
      ['0.0.0.0:443', true, true], ['0.0.0.0:443 sni=a.example.com', true, true], ['0.0.0.0:5000', true, undefined],
    ]);
    // Without it, no entry carries the flag.
    expect(table({ 'vs.yaml': VS(TLS('[a.example.com]', 'a')) }).listeners.every((l) => !('acceptProxyProtocol' in l))).toBe(true);
  });
});

describe('Gateway server hosts (namespace/host as Istio writes them) decide which VirtualServices bind', () => {
  test.each([
    ['["*"]', true],
    ['["*.example.com"]', true],
    ['["a.example.com"]', true],
    ['["default/*.example.com"]', true],
    ['["./*"]', true],
    ['["*/a.example.com"]', true],
    ['["other/*"]', false],
    ['["*.example.org"]', false],
    ['["other/*", "default/b.example.com"]', true],
  ])('server hosts %s → bound %s', (hosts, bound) => {
    const d = build({ 'gw.yaml': GW(hosts), 'vs.yaml': VS(TLS('[a.example.com]', 'a')) });
    expect(d.ok && d.table.listeners.map((l) => l.key)).toEqual(bound ? ['0.0.0.0:443 sni=a.example.com'] : []);
    expect(codes(d.diagnostics, 'warning')).toEqual(bound ? [] : [Codes.LISTENER_NO_ROUTE, Codes.RULE_UNREACHABLE]);
  });

  test('a Gateway in another namespace: ./ is the Gateway\'s namespace', () => {
    const gw = GW('["./*"]').replace('  name: gw\n', '  name: gw\n  namespace: edge\n');
    const vs = VS(TLS('[a.example.com]', 'a')).replace('gateways: [gw]', 'gateways: [edge/gw]');
    expect(build({ 'gw.yaml': gw, 'vs.yaml': vs }).diagnostics.map((d) => d.code)).toContain(Codes.RULE_UNREACHABLE);
    const admitted = GW('["default/*"]').replace('  name: gw\n', '  name: gw\n  namespace: edge\n');
    expect(table({ 'gw.yaml': admitted, 'vs.yaml': vs }).listeners.map((l) => [l.key, l.gateway])).toEqual([['0.0.0.0:443 sni=a.example.com', 'edge/gw']]);
  });
});

describe('overlapping SNI names on one socket', () => {
  test('within one VirtualService the first match wins; a later match repeating a name is skipped whole (SNI_DUPLICATE warning)', () => {
    const d = build({ 'vs.yaml': VS(TLS('[a.example.com]', 'a') + TLS('[b.example.com, A.example.com]', 'b') + TLS('[c.example.com]', 'c')) });
    expect(d.ok && d.table.listeners.map((l) => `${l.key} ${l.route.rule}`)).toEqual([
      '0.0.0.0:443 sni=a.example.com 0', '0.0.0.0:443 sni=c.example.com 2',
    ]);
    const dup = d.diagnostics.filter((x) => x.code === Codes.SNI_DUPLICATE);
    expect(dup.map((x) => [x.severity, x.field, x.line])).toEqual([['warning', 'spec.tls[1].match[0].sniHosts[1]', 14]]);
    // The skipped rule matches nothing else: it is unreachable too.
    expect(mine(d.diagnostics).map((x) => x.code).sort()).toEqual([Codes.RULE_UNREACHABLE, Codes.SNI_DUPLICATE]);
  });

  test('across VirtualServices one name is SNI_CONFLICT, pointing at both files', () => {
    const ds = errorsOf({ 'vs.yaml': VS(TLS('[a.example.com]', 'a')), 'vs2.yaml': VS(TLS('[b.example.com, a.example.com]', 'b'), 'vs2') });
    expect(ds.map((d) => [d.code, d.file, d.field, d.line, d.col, d.related])).toEqual([
      [Codes.SNI_CONFLICT, 'vs2.yaml', 'spec.tls[0].match[0].sniHosts[1]', 10, 33, { file: 'vs.yaml', line: 10, col: 7 }],
    ]);
  });

  test('a wildcard and an exact name do not conflict (the most specific wins when a client connects)', () => {
    const t = table({ 'vs.yaml': VS(TLS('["*.example.com"]', 'a')), 'vs2.yaml': VS(TLS('[a.example.com]', 'b'), 'vs2') });
    expect(t.listeners.map((l) => l.key)).toEqual(['0.0.0.0:443 sni=*.example.com', '0.0.0.0:443 sni=a.example.com']);
  });

  test('two "*" fallbacks in two VirtualServices conflict', () => {
    const star = (name: string) => VS(TLS('["*"]', 'a'), name, '["*"]');
    expect(errorsOf({ 'vs.yaml': star('vs'), 'vs2.yaml': star('vs2') }).map((d) => `${d.code} ${d.file} ${d.field}`))
      .toEqual(['SNI_CONFLICT vs2.yaml spec.tls[0].match[0].sniHosts[0]']);
  });

  test('the same name on two sockets is no conflict', () => {
    const gw2 = GW('["*"]', '', '', 'gw2').replace('number: 443', 'number: 8443').replace(/  - port: \{number: 5000[^]*$/, '');
    const vs2 = VS(TLS('[a.example.com]', 'b'), 'vs2').replace('gateways: [gw]', 'gateways: [gw2]');
    expect(table({ 'gw2.yaml': gw2, 'vs.yaml': VS(TLS('[a.example.com]', 'a')), 'vs2.yaml': vs2 }).listeners.map((l) => l.key))
      .toEqual(['0.0.0.0:443 sni=a.example.com', '0.0.0.0:8443 sni=a.example.com']);
  });
});

describe('codes of the model', () => {
  const CASES: readonly [string, Record<string, string>, Code, 'error' | 'warning', string][] = [
    ['an unknown destination host', { 'vs.yaml': VS(TLS('[a.example.com]', 'nope')) }, Codes.UNKNOWN_HOST, 'error', 'spec.tls[0].route[0].destination.host'],
    ['an unknown subset', { 'vs.yaml': VS(TLS('[a.example.com]', '', '', '    - destination: {host: a, subset: v9}\n')) }, Codes.UNKNOWN_SUBSET, 'error', 'spec.tls[0].route[0].destination.subset'],
    ['a negative weight', { 'vs.yaml': VS(TLS('[a.example.com]', '', '', '    - destination: {host: a}\n      weight: -1\n    - destination: {host: b}\n')) }, Codes.WEIGHT_NEGATIVE, 'error', 'spec.tls[0].route[0].weight'],
    ['an unknown gateway in a match', { 'vs.yaml': VS(TLS('[a.example.com]', 'a', '      gateways: [nogw]\n')) }, Codes.UNKNOWN_GATEWAY, 'error', 'spec.tls[0].match[0].gateways[0]'],
    ['a tls rule no passthrough server takes (port 5000 is TCP)', { 'vs.yaml': VS(TLS('[a.example.com]', 'a', '      port: 5000\n')) }, Codes.RULE_UNREACHABLE, 'warning', 'spec.tls[0]'],
    ['a passthrough server no rule takes', { 'vs.yaml': VS(TLS('[a.example.com]', 'a', '      port: 5000\n')) }, Codes.LISTENER_NO_ROUTE, 'warning', 'spec.servers[0]'],
  ];
  test.each(CASES)('%s → %s', (_name, files, code, severity, field) => {
    const d = build(files);
    const hits = d.diagnostics.filter((x) => x.code === code && x.field === field);
    expect(hits.map((x) => x.severity)).toEqual([severity]);
    expect(hits[0]!.line).toBeGreaterThan(0);
    expect(hits[0]!.col).toBeGreaterThan(0);
    if (severity === 'error') expect(d.ok).toBe(false);
  });

  test('a passthrough server with only a tcp rule is not opened (Istio serves it by tls rules only); the tcp rule is unreachable there', () => {
    const vs = VS('', 'vs', '["*.example.com"]', TCP_FALLBACK).replace('  tls:\n', '');
    const d = build({ 'vs.yaml': vs });
    expect(d.ok && d.table.listeners).toEqual([]);
    expect(mine(d.diagnostics).map((x) => `${x.code}:${x.field}`).sort()).toEqual([`${Codes.LISTENER_NO_ROUTE}:spec.servers[0]`, `${Codes.RULE_UNREACHABLE}:spec.tcp[0]`]);
  });

  test('an unknown spec.gateways entry is reported once, not once per rule list', () => {
    const vs = VS(TLS('[a.example.com]', 'a'), 'vs', '["*.example.com"]', '  tcp:\n  - route:\n    - destination: {host: c}\n').replace('gateways: [gw]', 'gateways: [gw, nogw]');
    expect(errorsOf({ 'vs.yaml': vs }).map((d) => `${d.code}:${d.field}`)).toEqual([`${Codes.UNKNOWN_GATEWAY}:spec.gateways[1]`]);
  });
});

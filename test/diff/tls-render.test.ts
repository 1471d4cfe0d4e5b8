/** `tcpshift diff` over SNI entries: each entry is its own listener line, with every SNI name, its tls[] rule and the PROXY flag. */
import { diff } from '../../src/diff/diff';
import { renderChanges } from '../../src/diff/render';
import { buildDesired } from '../../src/model/desired';
import { DEFAULT_COMPILE_OPTIONS, type RoutingTable } from '../../src/model/types';
import { manifestFiles } from '../helpers/manifests';

const GW = (annotations = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
${annotations}spec:
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: ["*"]
`;
const SE = (host: string, port: number) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${host}
spec:
  hosts: [${host}]
  ports: [{number: 8443, name: tls, protocol: TLS}]
  resolution: STATIC
  endpoints:
  - {address: 127.0.0.1, ports: {tls: ${port}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {tls: ${port + 1}}, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${host}
spec:
  host: ${host}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
const VS = (tls: string, tcp = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
spec:
  hosts: ["*.example.com"]
  gateways: [gw]
  tls:
${tls}${tcp}`;
const rule = (sni: string, host: string, v2 = 0) =>
  `  - match:\n    - sniHosts: ${sni}\n    route:\n    - destination: {host: ${host}, subset: v1}\n      weight: ${100 - v2}\n    - destination: {host: ${host}, subset: v2}\n      weight: ${v2}\n`;

function compiled(vs: string, gw = GW()): RoutingTable {
  const d = buildDesired(manifestFiles({ 'gw.yaml': gw, 'a.yaml': SE('a', 9100), 'b.yaml': SE('b', 9200), 'vs.yaml': vs }), DEFAULT_COMPILE_OPTIONS);
  if (!d.ok) throw new Error(d.diagnostics.map((x) => `${x.code} ${x.message}`).join('\n'));
  return d.table;
}

const BASE = VS(rule('[a.example.com, "*.a.example.com"]', 'a') + rule('[b.example.com]', 'b'));

test('a new TLS socket: one + line per SNI entry, with every name', () => {
  expect(renderChanges(diff(null, compiled(BASE)))).toEqual([
    '+ listener 0.0.0.0:443 sni=a.example.com,*.a.example.com (gateway default/gw) → a v1 100%, v2 0%',
    '+ listener 0.0.0.0:443 sni=b.example.com (gateway default/gw) → b v1 100%, v2 0%',
  ]);
});

test('a weight shift on one SNI route touches that entry only', () => {
  const next = VS(rule('[a.example.com, "*.a.example.com"]', 'a') + rule('[b.example.com]', 'b', 20));
  expect(renderChanges(diff(compiled(BASE), compiled(next)))).toEqual([
    '~ 0.0.0.0:443 sni=b.example.com b v1 100% → 80%  v2 0% → 20%',
  ]);
});

test('a name added to a rule is a change of its entry (the key keeps the first name)', () => {
  const next = VS(rule('[a.example.com, "*.a.example.com", a2.example.com]', 'a') + rule('[b.example.com]', 'b'));
  expect(renderChanges(diff(compiled(BASE), compiled(next)))).toEqual([
    '~ 0.0.0.0:443 sni=a.example.com sni a.example.com,*.a.example.com → a.example.com,*.a.example.com,a2.example.com',
  ]);
});

test('a tcp fallback added: a TLS fallback line', () => {
  const tcp = '  tcp:\n  - route:\n    - destination: {host: b, subset: v2}\n';
  const next = VS(rule('[a.example.com, "*.a.example.com"]', 'a') + rule('[b.example.com]', 'b'), tcp);
  expect(renderChanges(diff(compiled(BASE), compiled(next)))).toEqual([
    '+ listener 0.0.0.0:443 (TLS fallback) (gateway default/gw) → b v2 100%',
  ]);
});

test('the fallback moving from a tcp rule to a tls "*" rule reads tcp[0] → tls[1]', () => {
  const hosts = (s: string) => s.replace('hosts: ["*.example.com"]', 'hosts: ["*"]');
  const tcp = '  tcp:\n  - route:\n    - destination: {host: b, subset: v2}\n';
  const before = hosts(VS(rule('[a.example.com]', 'a'), tcp));
  const after = hosts(VS(rule('[a.example.com]', 'a') + rule('["*"]', 'b'), tcp));
  const lines = renderChanges(diff(compiled(before), compiled(after)));
  expect(lines[0]).toBe('~ 0.0.0.0:443 route default/vs tcp[0] → default/vs tls[1]');
});

test('turning on accept-proxy-protocol is a change of every entry', () => {
  const on = GW('  annotations:\n    tcpshift.io/accept-proxy-protocol: "true"\n');
  expect(renderChanges(diff(compiled(BASE), compiled(BASE, on)))).toEqual([
    '~ 0.0.0.0:443 sni=a.example.com accept PROXY protocol off → on',
    '~ 0.0.0.0:443 sni=b.example.com accept PROXY protocol off → on',
  ]);
  expect(renderChanges(diff(null, compiled(VS(rule('[b.example.com]', 'b')), on)))).toEqual([
    '+ listener 0.0.0.0:443 sni=b.example.com (gateway default/gw, accepts PROXY protocol) → b v1 100%, v2 0%',
  ]);
});

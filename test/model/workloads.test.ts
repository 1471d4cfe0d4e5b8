/** Where workloads are: WorkloadEntries selected by a Service or a ServiceEntry, EndpointSlices, and the short-name rule. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Codes } from '../../src/errors';
import { buildDesired, type Desired } from '../../src/model/desired';
import type { Endpoint, RoutingTable } from '../../src/model/types';
import { example8020, exampleManifests, manifestFiles } from '../helpers/manifests';

const GW = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 31400, name: tcp, protocol: TCP}
    hosts: ["*"]
`;
const DR = (host = 'echo') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: ${host}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
const VS = (host = 'echo', subset = 'v1', port = 9000) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - route:
    - destination: {host: ${host}, subset: ${subset}, port: {number: ${port}}}
`;
const WE = (name: string, version: string, ports = '{tcp: 7001}', extra = '') => `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ${name}}
spec:
  address: 127.0.0.1
  ports: ${ports}
  labels: {app: echo, version: ${version}}
${extra}`;
const SVC = (ports = '  - {name: tcp, port: 9000}', selector = '  selector: {app: echo}\n', name = 'echo') => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
${selector}  ports:
${ports}
`;
const SLICE = (endpoints: string, ports = '- {name: tcp, port: 7100}', service = 'echo', labels = '') => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${service}-abc
  labels:
    kubernetes.io/service-name: ${service}
${labels}addressType: IPv4
endpoints:
${endpoints}
ports:
${ports}
`;

function build(...docs: string[]): Desired {
  return buildDesired(manifestFiles({ 'm.yaml': docs.join('---\n') }));
}

function table(d: Desired): RoutingTable {
  if (!d.ok) throw new Error(`not ok: ${d.diagnostics.map((x) => `${x.code}@${x.line}:${x.col} ${x.message}`).join('; ')}`);
  return d.table;
}

function endpoints(d: Desired, i = 0): string[] {
  return (table(d).listeners[0]?.route.destinations[i]?.endpoints ?? []).map((e: Endpoint) => `${e.key} w${e.weight}`);
}

const codes = (d: Desired) => d.diagnostics.map((x) => `${x.severity}:${x.code}@${x.line}:${x.col}`);

describe('Kubernetes Service selecting WorkloadEntries', () => {
  test('the subset picks the entry by version; the port is the entry port named like the service port', () => {
    const d = build(GW, DR(), VS(), SVC(), WE('a', 'v1', '{tcp: 7001}'), WE('b', 'v2', '{tcp: 7002}'));
    expect(endpoints(d)).toEqual(['127.0.0.1:7001 w1']);
    expect(table(d).listeners[0]?.route.destinations[0]?.host).toBe('echo');
  });

  test('a numeric targetPort is used when the entry has no port of that name; else the service port', () => {
    expect(endpoints(build(GW, DR(), VS(), SVC('  - {name: tcp, port: 9000, targetPort: 7005}'), WE('a', 'v1', '{}')))).toEqual(['127.0.0.1:7005 w1']);
    expect(endpoints(build(GW, DR(), VS(), SVC(), WE('a', 'v1', '{}')))).toEqual(['127.0.0.1:9000 w1']);
  });

  test('a named targetPort is looked up in the entry ports; an entry without it serves nothing', () => {
    const d = build(GW, DR(), VS(), SVC('  - {name: tcp, port: 9000, targetPort: echo-port}'), WE('a', 'v1', '{echo-port: 7010}'));
    expect(endpoints(d)).toEqual(['127.0.0.1:7010 w1']);
    const none = build(GW, DR(), VS(), SVC('  - {name: tcp, port: 9000, targetPort: echo-port}'), WE('a', 'v1', '{other: 7010}'));
    expect(codes(none)).toContain('error:EMPTY_SUBSET@27:33');
  });

  test('entry weight and a 0 weight; entries of another namespace are not selected', () => {
    const d = build(GW, DR(), VS(), SVC(), WE('a', 'v1', '{tcp: 7001}', '  weight: 3\n'), WE('b', 'v1', '{tcp: 7002}', '  weight: 0\n'),
      WE('c', 'v1', '{tcp: 7003}').replace('{name: c}', '{name: c, namespace: other}'));
    expect(endpoints(d)).toEqual(['127.0.0.1:7001 w3']);
  });

  test('every short form of the host resolves to the Service', () => {
    for (const host of ['echo', 'echo.default', 'echo.default.svc', 'echo.default.svc.cluster.local']) {
      expect([host, endpoints(build(GW, DR(host), VS(host), SVC(), WE('a', 'v1')))]).toEqual([host, ['127.0.0.1:7001 w1']]);
    }
  });

  test('locality is read and kept', () => {
    const d = build(GW, DR(), VS(), SVC(), WE('a', 'v1', '{tcp: 7001}', '  locality: us-east/1a\n'));
    const we = d.resources.find((r) => r.kind === 'WorkloadEntry');
    expect(we?.spec).toMatchObject({ locality: 'us-east/1a' });
  });

  test('a Service and a ServiceEntry with the same host: AMBIGUOUS_HOST', () => {
    const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo}
spec:
  hosts: [echo]
  ports: [{number: 9000, name: tcp}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1}]
`;
    const d = build(GW, DR(), VS(), SVC(), WE('a', 'v1'), se);
    expect(d.ok).toBe(false);
    const amb = d.diagnostics.find((x) => x.code === Codes.AMBIGUOUS_HOST);
    // At the ServiceEntry's host, naming the Service's name.
    expect([amb?.line, amb?.col, amb?.related?.line, amb?.related?.col]).toEqual([49, 11, 31, 12]);
  });
});

describe('a Service without selector', () => {
  test('unused and without EndpointSlices: a SERVICE_NO_ENDPOINTS warning', () => {
    const routed = build(GW, DR('other'), VS('other'), SVC(), WE('a', 'v1'), SVC('  - {name: tcp, port: 9000}', '', 'other'));
    expect(codes(routed)).toContain('error:EMPTY_SUBSET@27:34');
    expect(routed.diagnostics.filter((x) => x.code === Codes.SERVICE_NO_ENDPOINTS)).toEqual([]);
    const unused = build(GW, DR(), VS(), SVC(), WE('a', 'v1'), SVC('  - {name: tcp, port: 9000}', '', 'other'));
    expect(unused.ok).toBe(true);
    // At the name of Service other (the last document), not of Service echo.
    expect(unused.diagnostics.filter((x) => x.code === Codes.SERVICE_NO_ENDPOINTS).map((x) => [x.severity, x.line, x.col])).toEqual([['warning', 47, 12]]);
  });

  test('EndpointSlice endpoints: ports by name, not-ready endpoints left out, the slice labels are the subset labels', () => {
    const slice = SLICE('- addresses: [127.0.0.2, 127.0.0.3]\n- addresses: [127.0.0.4]\n  conditions: {ready: false}', undefined, 'echo', '    version: v1\n');
    const d = build(GW, DR(), VS(), SVC('  - {name: tcp, port: 9000}', ''), slice);
    expect(endpoints(d)).toEqual(['127.0.0.2:7100 w1', '127.0.0.3:7100 w1']);
    expect(codes(d).filter((c) => c.includes('SERVICE_NO_ENDPOINTS'))).toEqual([]);
  });

  test('a slice port of another name serves nothing; a slice of an unknown Service is a warning', () => {
    const d = build(GW, DR(), VS(), SVC('  - {name: tcp, port: 9000}', ''), SLICE('- addresses: [127.0.0.2]', '- {name: other, port: 7100}', 'echo', '    version: v1\n'));
    expect(d.diagnostics.map((x) => x.code)).toContain(Codes.EMPTY_SUBSET);
    const stray = build(GW, DR(), VS(), SVC(), WE('a', 'v1'), SLICE('- addresses: [127.0.0.2]', undefined, 'nobody'));
    expect(stray.ok).toBe(true);
    expect(stray.diagnostics.find((x) => x.code === Codes.UNKNOWN_SERVICE)?.severity).toBe('warning');
  });
});

describe('ServiceEntry workloadSelector', () => {
  const se = (selector = '{app: echo}', ports = '[{number: 9000, name: tcp, targetPort: 7050}]') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo}
spec:
  hosts: [echo]
  ports: ${ports}
  resolution: STATIC
  workloadSelector:
    labels: ${selector}
`;
  test('selects the namespace entries; port by name, else targetPort, else the service port', () => {
    expect(endpoints(build(GW, DR(), VS(), se(), WE('a', 'v1', '{tcp: 7001}'), WE('b', 'v2')))).toEqual(['127.0.0.1:7001 w1']);
    expect(endpoints(build(GW, DR(), VS(), se(), WE('a', 'v1', '{}')))).toEqual(['127.0.0.1:7050 w1']);
    expect(endpoints(build(GW, DR(), VS(), se('{app: echo}', '[{number: 9000, name: tcp}]'), WE('a', 'v1', '{}')))).toEqual(['127.0.0.1:9000 w1']);
  });
  test('a selector matching nothing routed to: EMPTY_SUBSET', () => {
    expect(build(GW, DR(), VS(), se('{app: nope}'), WE('a', 'v1')).diagnostics.map((x) => x.code)).toContain(Codes.EMPTY_SUBSET);
  });
});

describe('the walkthrough, both forms', () => {
  test('config-repo-example (Service + WorkloadEntries): v1 on 9000, then 80/20', () => {
    expect(endpoints(buildDesired(manifestFiles(exampleManifests())))).toEqual(['127.0.0.1:9000 w1']);
    const d = buildDesired(manifestFiles(example8020()));
    expect(endpoints(d, 0)).toEqual(['127.0.0.1:9000 w1']);
    expect(endpoints(d, 1)).toEqual(['127.0.0.1:9001 w1']);
  });
  test('the ServiceEntry form (test/fixtures/serviceentry-form) still gives the same table', () => {
    const files = exampleManifests();
    const se = readFileSync(join(__dirname, '..', 'fixtures', 'serviceentry-form', 'tcp-echo-serviceentry.yaml'), 'utf8');
    const seForm = manifestFiles({ 'tcp-echo-all-v1.yaml': files['tcp-echo-all-v1.yaml'] ?? '', 'tcp-echo-serviceentry.yaml': se });
    const a = table(buildDesired(seForm));
    const b = table(buildDesired(manifestFiles(exampleManifests())));
    expect(a).toEqual(b);
  });
});

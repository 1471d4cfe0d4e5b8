/** What each kind reads into: defaults, conversions, what is kept and what is dropped. */
import { Codes } from '../../src/errors';
import type { Resource } from '../../src/manifest/types';
import { errors, istio, parseOne, where } from './util';

/** The single resource read from `yaml`, with every diagnostic. */
function one(yaml: string): { resource: Resource | undefined; found: string[] } {
  const { resources, diagnostics } = parseOne(yaml);
  expect(resources.length).toBeLessThanOrEqual(1);
  return { resource: resources[0], found: where(diagnostics) };
}

describe('metadata and envelope', () => {
  test('namespace defaults to default; labels kept; annotations and status accepted', () => {
    const yaml = [
      'apiVersion: networking.istio.io/v1beta1',
      'kind: Gateway',
      'metadata:',
      '  name: g',
      '  labels: {team: net}',
      '  annotations: {note: hi}',
      '  resourceVersion: "12"',
      'spec: {}',
      'status: {conditions: []}',
      '',
    ].join('\n');
    const { resource, found } = one(yaml);
    expect(found).toEqual([]);
    expect(resource?.metadata).toEqual({ name: 'g', namespace: 'default', labels: { team: 'net' } });
    expect(resource?.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(resource?.spec).toEqual({ selector: {}, servers: [], serverCount: 0 });
  });

  test.each(['v1', 'v1beta1', 'v1alpha3'])('networking.istio.io/%s is read', (v) => {
    const { resource, found } = one(`apiVersion: networking.istio.io/${v}\nkind: Gateway\nmetadata: {name: g, namespace: edge}\n`);
    expect(found).toEqual([]);
    expect(resource?.metadata.namespace).toBe('edge');
  });

  test('a document that cannot be named yields no resource', () => {
    const { resource, found } = one('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {}\n');
    expect(resource).toBeUndefined();
    expect(found).toEqual(['FIELD_REQUIRED@3:1']);
  });

  test('null values count as absent (as in Kubernetes)', () => {
    const { resource, found } = one(istio('VirtualService', '  hosts:\n  gateways: ~\n  tcp:\n  - route:\n    - destination: {host: a}\n      weight: null\n'));
    // No hosts, as Istio reads it too: a delegate, which may not have tcp routes.
    expect(found).toEqual(['FIELD_REQUIRED@6:3']);
    expect(resource?.spec).toEqual({ hosts: [], gateways: [], tcp: [{ index: 0, match: [], route: [{ index: 0, destination: { host: 'a' } }] }] });
  });
});

describe('Gateway', () => {
  test('TCP servers kept (any case), others skipped but counted; bind and hosts read', () => {
    const spec = [
      '  selector: {istio: ingressgateway}',
      '  servers:',
      '  - port: {number: 80, name: http, protocol: HTTP}',
      '    tls: {httpsRedirect: true}',
      '  - port: {number: 31400, name: tcp, protocol: tcp}',
      '    bind: 127.0.0.1',
      '    hosts: ["*"]',
      '  - port: {number: 31401, name: tcp2, protocol: TCP}',
      '    bind: "::1"',
      '    hosts: [ns/echo.example.com]',
      '',
    ].join('\n');
    const { resource, found } = one(istio('Gateway', spec));
    expect(found).toEqual(['SERVER_SKIPPED@8:5']);
    expect(resource?.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [
        { index: 1, port: { number: 31400, name: 'tcp', protocol: 'tcp' }, bind: '127.0.0.1', hosts: ['*'] },
        { index: 2, port: { number: 31401, name: 'tcp2', protocol: 'TCP' }, bind: '::1', hosts: ['ns/echo.example.com'] },
      ],
      serverCount: 3,
    });
  });

  test('an unreadable server is reported, left out, and still counted', () => {
    const { resource, found } = one(istio('Gateway', '  servers:\n  - port: {number: 0, name: tcp, protocol: TCP}\n    hosts: ["*"]\n  - 7\n'));
    expect(found).toEqual(['PORT_RANGE@7:12', 'FIELD_TYPE@9:5']);
    expect(resource?.spec).toMatchObject({ servers: [], serverCount: 2 });
  });
});

describe('VirtualService', () => {
  test('rules keep their written index; matches, ports and weights are read as written', () => {
    const spec = [
      '  hosts: ["*"]',
      '  gateways: [tcp-echo-gateway]',
      '  exportTo: ["."]',
      '  tcp:',
      '  - match:',
      '    - port: 31400',
      '      gateways: [tcp-echo-gateway]',
      '    - port: 31401',
      '    route:',
      '    - destination: {host: tcp-echo, subset: v1, port: {number: 9000}}',
      '      weight: 0',
      '    - destination: {host: tcp-echo, subset: v2}',
      '      weight: -5',
      '  - route:',
      '    - destination: {subset: v3}',
      '    - destination: {host: other}',
      '',
    ].join('\n');
    const { resource, found } = one(istio('VirtualService', spec));
    expect(found).toEqual(['FIELD_REQUIRED@20:7']);
    expect(resource?.spec).toEqual({
      hosts: ['*'],
      gateways: ['tcp-echo-gateway'],
      tcp: [
        {
          index: 0,
          match: [{ port: 31400, gateways: ['tcp-echo-gateway'] }, { port: 31401 }],
          route: [
            { index: 0, destination: { host: 'tcp-echo', subset: 'v1', port: 9000 }, weight: 0 },
            { index: 1, destination: { host: 'tcp-echo', subset: 'v2' }, weight: -5 },
          ],
        },
        { index: 1, match: [], route: [{ index: 1, destination: { host: 'other' } }] },
      ],
    });
  });

  test('http lists are skipped with one warning each; empty ones say nothing (tls rules are read: test/manifest/tls-virtualservice.test.ts)', () => {
    const spec = '  http:\n  - route: []\n  - route: []\n  tcp: [{route: [{destination: {host: a}}]}]\n  hosts: [a]\n';
    expect(one(istio('VirtualService', spec)).found).toEqual(['ROUTE_SKIPPED@6:3']);
    expect(one(istio('VirtualService', '  http: []\n  tcp: [{route: [{destination: {host: a}}]}]\n  hosts: [a]\n')).found).toEqual([]);
  });

  test('the largest int32 weight is accepted', () => {
    const { resource } = one(istio('VirtualService', '  tcp:\n  - route:\n    - destination: {host: a}\n      weight: 2147483647\n'));
    expect(resource?.kind === 'VirtualService' && resource.spec.tcp[0]?.route[0]?.weight).toBe(2147483647);
  });
});

describe('DestinationRule', () => {
  const POLICY = [
    '  host: tcp-echo',
    '  exportTo: ["*"]',
    '  trafficPolicy:',
    '    loadBalancer: {simple: LEAST_CONN}',
    '    connectionPool:',
    '      tcp:',
    '        maxConnections: 100',
    '        connectTimeout: 1m30s',
    '        idleTimeout: 0s',
    '        tcpKeepalive: {probes: 3, time: 2h, interval: 75s}',
    '    outlierDetection:',
    '      consecutive5xxErrors: 7',
    '      consecutiveGatewayErrors: 3',
    '      interval: 500ms',
    '      baseEjectionTime: 30s',
    '      maxEjectionPercent: 100',
    '    tls: {mode: DISABLE}',
    '  subsets:',
    '  - name: v1',
    '    labels: {version: v1}',
    '    trafficPolicy:',
    '      loadBalancer: {simple: RANDOM}',
    '  - name: v2',
    '',
  ].join('\n');

  test('policies convert durations to ms, LEAST_CONN to LEAST_REQUEST, errors to the smaller count', () => {
    const { resource, found } = one(istio('DestinationRule', POLICY));
    expect(found).toEqual([]);
    expect(resource?.spec).toEqual({
      host: 'tcp-echo',
      trafficPolicy: {
        loadBalancer: { simple: 'LEAST_REQUEST' },
        connectionPool: {
          tcp: { maxConnections: 100, connectTimeoutMs: 90_000, idleTimeoutMs: 0, tcpKeepalive: { probes: 3, timeMs: 7_200_000, intervalMs: 75_000 } },
        },
        outlierDetection: { consecutiveErrors: 3, intervalMs: 500, baseEjectionTimeMs: 30_000, maxEjectionPercent: 100 },
        tlsMode: 'DISABLE',
      },
      subsets: [
        { index: 0, name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } },
        { index: 1, name: 'v2', labels: {} },
      ],
    });
  });

  test('settings that do not apply to TCP are warnings, not errors', () => {
    const spec = [
      '  host: a',
      '  trafficPolicy:',
      '    loadBalancer: {localityLbSetting: {enabled: true}}',
      '    connectionPool:',
      '      http: {maxRetries: 3}',
      '      tcp: {maxConnectionDuration: 1h}',
      '    outlierDetection: {minHealthPercent: 50}',
      '    portLevelSettings: []',
      '  workloadSelector: {matchLabels: {app: a}}',
      '',
    ].join('\n');
    const { resources, diagnostics } = parseOne(istio('DestinationRule', spec));
    expect(errors(diagnostics)).toEqual([]);
    expect(where(diagnostics)).toEqual([
      'FIELD_UNSUPPORTED@8:20', 'FIELD_UNSUPPORTED@10:7',
      'FIELD_UNSUPPORTED@12:24', 'FIELD_UNSUPPORTED@13:5', 'FIELD_UNSUPPORTED@14:3',
    ]);
    // maxConnectionDuration is applied (issue 10)
    expect(resources[0]?.spec).toEqual({
      host: 'a',
      trafficPolicy: { loadBalancer: {}, connectionPool: { tcp: { maxConnectionDurationMs: 3_600_000 } }, outlierDetection: {} },
      subsets: [],
    });
  });

  // TLS origination is an error only where a served route uses the rule: the model judges it (test/model/istio-parity.test.ts);
  // proxyProtocol is read (test/model/proxy-protocol.test.ts).
  test('tunnels would change the bytes sent: an error', () => {
    const spec = '  host: a\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    proxyProtocol: {version: V1}\n    tunnel: {protocol: CONNECT}\n';
    const { diagnostics } = parseOne(istio('DestinationRule', spec));
    expect(errors(diagnostics).map((d) => `${d.code}@${d.line}`)).toEqual([
      `${Codes.FIELD_UNSUPPORTED}@10`,
    ]);
  });

  test('a DestinationRule without a host yields no resource', () => {
    expect(parseOne(istio('DestinationRule', '  subsets: []\n')).resources).toEqual([]);
  });
});

describe('ServiceEntry', () => {
  test('resolution defaults to NONE (which, as in Istio, takes no endpoints); endpoints keep ports, labels and weight; IPv6 accepted', () => {
    const spec = [
      '  hosts: [tcp-echo]',
      '  addresses: [240.0.0.1]',
      '  location: MESH_EXTERNAL',
      '  ports:',
      '  - {number: 9000, name: tcp, targetPort: 9100}',
      '  endpoints:',
      '  - address: "2001:db8::1"',
      '    ports: {tcp: 9000}',
      '    labels: {version: v1}',
      '    weight: 3',
      '    locality: us-east1',
      '  - address: echo.internal',
      '',
    ].join('\n');
    const { resource, found } = one(istio('ServiceEntry', spec));
    expect(found).toEqual(['RESOLUTION_ENDPOINTS@11:3']);
    expect(resource?.spec).toEqual({
      hosts: ['tcp-echo'],
      ports: [{ index: 0, number: 9000, name: 'tcp', targetPort: 9100 }],
      resolution: 'NONE',
      endpoints: [
        { index: 0, address: '2001:db8::1', ports: { tcp: 9000 }, labels: { version: 'v1' }, weight: 3 },
        { index: 1, address: 'echo.internal', ports: {}, labels: {} },
      ],
    });
  });

  // With STATIC resolution the model requires IP addresses; here only the syntax for DNS/NONE is checked.
  test.each([
    ['10.1.2.3', 'DNS', []],
    ['::ffff:10.1.2.3', 'DNS', []],
    ['db.example.com', 'DNS', []],
    ['db.example.com.', 'DNS', []],
    ['10.1.2.300', 'DNS', ['FIELD_ADDRESS@9:5']],
    ['1::2::3', 'DNS', ['FIELD_ADDRESS@9:5']],
    ['-bad.example', 'DNS', ['FIELD_ADDRESS@9:5']],
    ['unix:///var/run/echo.sock', 'DNS', ['FIELD_ADDRESS@9:5']],
    ['db.example.com', 'STATIC', []],
  ])('endpoint address %s with %s resolution', (address, resolution, expected) => {
    const spec = `  hosts: [a]\n  resolution: ${resolution}\n  endpoints:\n  - address: "${address}"\n`;
    expect(one(istio('ServiceEntry', spec)).found).toEqual(expected);
  });
});

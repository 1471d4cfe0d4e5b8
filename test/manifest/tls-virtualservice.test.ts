/** VirtualService `tls[]` rules as the manifest reader reads and checks them (Istio's validateTLSRoute). */
import { Codes, type Code } from '../../src/errors';
import type { VirtualService } from '../../src/manifest/types';
import { istio, parseOne } from './util';

/** A VirtualService with `hosts` (line 6) and one tls rule whose match block is `match` (from line 9). */
const VS = (hosts: string, match: string, route = '    route:\n    - destination: {host: db}\n') =>
  istio('VirtualService', `  hosts: ${hosts}\n  tls:\n  - match:\n${match}${route}  gateways: [gw]\n`);

function read(text: string) {
  const { resources, diagnostics } = parseOne(text);
  return { vs: resources.find((r): r is VirtualService => r.kind === 'VirtualService'), diagnostics };
}

test('a tls rule is read: SNI names lower-cased, port, gateways, weighted route', () => {
  const text = istio('VirtualService', [
    '  hosts: ["*.example.com"]',
    '  gateways: [gw]',
    '  tls:',
    '  - match:',
    '    - sniHosts: [DB.example.com, "*.db.example.com"]',
    '      port: 443',
    '    - sniHosts: [cache.example.com]',
    '      gateways: [other/gw2]',
    '    route:',
    '    - destination: {host: db, subset: v1, port: {number: 5432}}',
    '      weight: 80',
    '    - destination: {host: db, subset: v2, port: {number: 5432}}',
    '      weight: 20',
    '',
  ].join('\n'));
  const { vs, diagnostics } = read(text);
  expect(diagnostics).toEqual([]);
  expect(vs?.spec.tls).toEqual([{
    index: 0,
    match: [
      { index: 0, sniHosts: ['db.example.com', '*.db.example.com'], port: 443 },
      { index: 1, sniHosts: ['cache.example.com'], gateways: ['other/gw2'] },
    ],
    route: [
      { index: 0, destination: { host: 'db', subset: 'v1', port: 5432 }, weight: 80 },
      { index: 1, destination: { host: 'db', subset: 'v2', port: 5432 }, weight: 20 },
    ],
  }]);
  // tcp rules are untouched; a VirtualService without tls has no `tls` key at all.
  expect(vs?.spec.tcp).toEqual([]);
  expect(read(istio('VirtualService', '  hosts: [a]\n  tls: []\n')).vs?.spec).not.toHaveProperty('tls');
});

describe('checks, each with its code and position', () => {
  const CASES: readonly { name: string; text: string; code: Code; severity: 'error' | 'warning'; at: string; field: string }[] = [
    {
      name: 'a rule without match (Istio: at least one match)',
      text: istio('VirtualService', '  hosts: [a.com]\n  tls:\n  - route:\n    - destination: {host: db}\n'),
      code: Codes.FIELD_REQUIRED, severity: 'error', at: '8:5', field: 'spec.tls[0].match',
    },
    {
      name: 'an empty match list',
      text: istio('VirtualService', '  hosts: [a.com]\n  tls:\n  - match: []\n    route:\n    - destination: {host: db}\n'),
      code: Codes.FIELD_REQUIRED, severity: 'error', at: '8:5', field: 'spec.tls[0].match',
    },
    {
      name: 'a match without sniHosts (Istio: required)',
      text: VS('[a.com]', '    - port: 443\n'),
      code: Codes.FIELD_REQUIRED, severity: 'error', at: '9:7', field: 'spec.tls[0].match[0].sniHosts',
    },
    {
      name: 'an empty sniHosts list',
      text: VS('[a.com]', '    - sniHosts: []\n'),
      code: Codes.FIELD_REQUIRED, severity: 'error', at: '9:7', field: 'spec.tls[0].match[0].sniHosts',
    },
    {
      name: 'an SNI name that is not a host name',
      text: VS('["*"]', '    - sniHosts: [a.com, "foo.*"]\n'),
      code: Codes.FIELD_NAME, severity: 'error', at: '9:25', field: 'spec.tls[0].match[0].sniHosts[1]',
    },
    {
      name: 'an SNI name with a bad character',
      text: VS('["*"]', '    - sniHosts: [foo.ba!r]\n'),
      code: Codes.FIELD_NAME, severity: 'error', at: '9:18', field: 'spec.tls[0].match[0].sniHosts[0]',
    },
    {
      name: 'an IP as SNI name: a warning, as in Istio',
      text: VS('["*"]', '    - sniHosts: [10.0.0.1]\n'),
      code: Codes.FIELD_NAME, severity: 'warning', at: '9:18', field: 'spec.tls[0].match[0].sniHosts[0]',
    },
    {
      name: 'an SNI name outside the VirtualService hosts',
      text: VS('[db.example.com]', '    - sniHosts: [db.example.com, other.example.com]\n'),
      code: Codes.SNI_NOT_IN_HOSTS, severity: 'error', at: '9:34', field: 'spec.tls[0].match[0].sniHosts[1]',
    },
    {
      name: 'a wildcard SNI name wider than the hosts',
      text: VS('[a.example.com]', '    - sniHosts: ["*.example.com"]\n'),
      code: Codes.SNI_NOT_IN_HOSTS, severity: 'error', at: '9:18', field: 'spec.tls[0].match[0].sniHosts[0]',
    },
    {
      name: 'sourceLabels cannot be honoured',
      text: VS('[a.com]', '    - sniHosts: [a.com]\n      sourceLabels: {app: x}\n'),
      code: Codes.FIELD_UNSUPPORTED, severity: 'error', at: '10:7', field: 'spec.tls[0].match[0].sourceLabels',
    },
    {
      name: 'destinationSubnets cannot be honoured',
      text: VS('[a.com]', '    - sniHosts: [a.com]\n      destinationSubnets: [10.0.0.0/8]\n'),
      code: Codes.FIELD_UNSUPPORTED, severity: 'error', at: '10:7', field: 'spec.tls[0].match[0].destinationSubnets',
    },
    {
      name: 'a match port out of range',
      text: VS('[a.com]', '    - sniHosts: [a.com]\n      port: 70000\n'),
      code: Codes.PORT_RANGE, severity: 'error', at: '10:7', field: 'spec.tls[0].match[0].port',
    },
    {
      name: 'an unknown match field',
      text: VS('[a.com]', '    - sniHosts: [a.com]\n      sniHost: [b.com]\n'),
      code: Codes.FIELD_UNKNOWN, severity: 'warning', at: '10:7', field: 'spec.tls[0].match[0].sniHost',
    },
    {
      name: 'a rule without route',
      text: VS('[a.com]', '    - sniHosts: [a.com]\n', ''),
      code: Codes.FIELD_REQUIRED, severity: 'error', at: '8:5', field: 'spec.tls[0].route',
    },
    {
      name: 'an empty route',
      text: VS('[a.com]', '    - sniHosts: [a.com]\n', '    route: []\n'),
      code: Codes.FIELD_REQUIRED, severity: 'error', at: '10:5', field: 'spec.tls[0].route',
    },
  ];
  test.each(CASES)('$name → $code at $at', (c) => {
    const { diagnostics } = read(c.text);
    const hits = diagnostics.filter((d) => d.code === c.code);
    expect(hits.map((d) => `${d.line}:${d.col}:${d.severity}`)).toEqual([`${c.at}:${c.severity}`]);
    expect(hits[0]?.field).toBe(c.field);
    expect(hits[0]?.file).toBe('m.yaml');
  });
});

describe('SNI names within the VirtualService hosts (Istio host.Name SubsetOf)', () => {
  test.each([
    ['[db.example.com]', 'db.example.com'],
    ['[DB.Example.com]', 'db.example.com'],
    ['["*.example.com"]', 'db.example.com'],
    ['["*.example.com"]', '"*.db.example.com"'],
    ['["*.com"]', '"*.example.com"'],
    ['["*"]', '"*"'],
    ['["*"]', 'anything.example.org'],
    ['[a.com, "*.example.com"]', 'x.example.com'],
  ])('hosts %s admit %s', (hosts, sni) => {
    expect(read(VS(hosts, `    - sniHosts: [${sni}]\n`)).diagnostics).toEqual([]);
  });

  test.each([
    ['[example.com]', 'db.example.com'],
    ['["*.example.com"]', 'example.com'],
    ['["*.example.com"]', '"*"'],
    ['[db.example.com]', '"*.example.com"'],
  ])('hosts %s do not admit %s', (hosts, sni) => {
    expect(read(VS(hosts, `    - sniHosts: [${sni}]\n`)).diagnostics.map((d) => d.code)).toEqual([Codes.SNI_NOT_IN_HOSTS]);
  });
});

test('http routes are still skipped with ROUTE_SKIPPED; tls no longer is', () => {
  const { diagnostics } = read(istio('VirtualService', '  hosts: [a.com]\n  http:\n  - route: []\n  tls:\n  - match:\n    - sniHosts: [a.com]\n    route:\n    - destination: {host: db}\n'));
  expect(diagnostics.map((d) => `${d.code}:${d.field}`)).toEqual([`${Codes.ROUTE_SKIPPED}:spec.http`]);
});

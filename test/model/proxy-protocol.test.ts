/** DestinationRule `trafficPolicy.proxyProtocol` → Policy.proxyProtocol: the reader, the top/subset merge, the compiled table and the diff line. */
import { diff } from '../../src/diff/diff';
import { renderChanges } from '../../src/diff/render';
import { Codes } from '../../src/errors';
import type { TrafficPolicySpec } from '../../src/manifest/types';
import { buildDesired } from '../../src/model/desired';
import { effectivePolicy } from '../../src/model/policy';
import { DEFAULT_COMPILE_OPTIONS, type RoutingTable } from '../../src/model/types';
import { manifestFiles } from '../helpers/manifests';
import { istio, parseOne } from '../manifest/util';

describe('the reader', () => {
  const DR = (pp: string) => istio('DestinationRule', `  host: a\n  trafficPolicy:\n    proxyProtocol:${pp}\n`);
  const policyOf = (text: string) => {
    const { resources, diagnostics } = parseOne(text);
    const r = resources[0];
    return { policy: r?.kind === 'DestinationRule' ? r.spec.trafficPolicy : undefined, diagnostics };
  };

  test.each([
    [' {version: V1}', 'V1'],
    [' {version: V2}', 'V2'],
    ['\n      version: V2', 'V2'],
    // Istio's enum: V1 is the zero value, so a block without a version is V1.
    [' {}', 'V1'],
  ])('proxyProtocol:%s → %s', (pp, version) => {
    const { policy, diagnostics } = policyOf(DR(pp));
    expect(diagnostics).toEqual([]);
    expect(policy).toEqual({ proxyProtocol: { version } });
  });

  test.each([
    [' {version: V3}', Codes.FIELD_ENUM, 8, 21],
    [' {version: v2}', Codes.FIELD_ENUM, 8, 21],
    [' {version: 2}', Codes.FIELD_TYPE, 8, 21],
    [' V2', Codes.FIELD_TYPE, 8, 5],
  ])('proxyProtocol:%s → %s at %i:%i', (pp, code, line, col) => {
    const { diagnostics } = policyOf(DR(pp));
    expect(diagnostics.map((d) => [d.code, d.severity, d.line, d.col, d.file])).toEqual([[code, 'error', line, col, 'm.yaml']]);
  });

  test('an unknown key inside proxyProtocol is FIELD_UNKNOWN (a warning)', () => {
    const { policy, diagnostics } = policyOf(DR(' {version: V2, verison: V1}'));
    expect(diagnostics.map((d) => [d.code, d.field])).toEqual([[Codes.FIELD_UNKNOWN, 'spec.trafficPolicy.proxyProtocol.verison']]);
    expect(policy).toEqual({ proxyProtocol: { version: 'V2' } });
  });

  test('per subset too', () => {
    const text = istio('DestinationRule', '  host: a\n  subsets:\n  - name: v2\n    labels: {version: v2}\n    trafficPolicy:\n      proxyProtocol: {version: V2}\n');
    const r = parseOne(text).resources[0];
    expect(r?.kind === 'DestinationRule' && r.spec.subsets[0]?.trafficPolicy).toEqual({ proxyProtocol: { version: 'V2' } });
  });
});

describe('the merge (as Istio\'s MergeTrafficPolicy: the subset\'s when set)', () => {
  test.each<[string, TrafficPolicySpec | undefined, TrafficPolicySpec | undefined, 'V1' | 'V2' | null]>([
    ['neither: off', undefined, undefined, null],
    ['top only', { proxyProtocol: { version: 'V2' } }, undefined, 'V2'],
    ['subset only', undefined, { proxyProtocol: { version: 'V1' } }, 'V1'],
    ['subset wins', { proxyProtocol: { version: 'V1' } }, { proxyProtocol: { version: 'V2' } }, 'V2'],
    ['a subset policy without it keeps the top one', { proxyProtocol: { version: 'V2' } }, { connectionPool: {} }, 'V2'],
  ])('%s', (_name, top, subset, want) => {
    expect(effectivePolicy(top, subset).proxyProtocol).toBe(want);
  });
});

describe('the compiled table and its diff', () => {
  const files = (top: string, v2: string) => ({
    'gw.yaml': istio('Gateway', '  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 5000, name: tcp, protocol: TCP}\n    hosts: ["*"]\n', 'gw'),
    'se.yaml': istio('ServiceEntry', '  hosts: [db]\n  ports: [{number: 5432, name: tcp, protocol: TCP}]\n  resolution: STATIC\n  endpoints:\n  - {address: 127.0.0.1, ports: {tcp: 9001}, labels: {version: v1}}\n  - {address: 127.0.0.1, ports: {tcp: 9002}, labels: {version: v2}}\n', 'db'),
    'dr.yaml': istio('DestinationRule', `  host: db\n${top}  subsets:\n  - {name: v1, labels: {version: v1}}\n  - name: v2\n    labels: {version: v2}\n${v2}`, 'db'),
    'vs.yaml': istio('VirtualService', '  hosts: ["*"]\n  gateways: [gw]\n  tcp:\n  - route:\n    - destination: {host: db, subset: v1}\n      weight: 50\n    - destination: {host: db, subset: v2}\n      weight: 50\n', 'vs'),
  });
  const table = (top: string, v2: string): RoutingTable => {
    const d = buildDesired(manifestFiles(files(top, v2)), DEFAULT_COMPILE_OPTIONS);
    if (!d.ok) throw new Error(d.diagnostics.map((x) => x.code).join(','));
    return d.table;
  };
  const TOP_V1 = '  trafficPolicy:\n    proxyProtocol: {version: V1}\n';
  const SUB_V2 = '    trafficPolicy:\n      proxyProtocol: {version: V2}\n';

  test('each destination carries its subset\'s effective version', () => {
    expect(table(TOP_V1, SUB_V2).listeners[0]?.route.destinations.map((d) => [d.subset, d.policy.proxyProtocol])).toEqual([['v1', 'V1'], ['v2', 'V2']]);
    expect(table('', '').listeners[0]?.route.destinations.map((d) => d.policy.proxyProtocol)).toEqual([null, null]);
  });

  test('the diff says it in DestinationRule words: proxyProtocol off → V2, V1 → V2', () => {
    expect(renderChanges(diff(table('', ''), table('', SUB_V2)))).toEqual(['~ 0.0.0.0:5000 db v2 policy proxyProtocol off → V2']);
    expect(renderChanges(diff(table(TOP_V1, ''), table(TOP_V1, SUB_V2)))).toEqual(['~ 0.0.0.0:5000 db v2 policy proxyProtocol V1 → V2']);
    expect(renderChanges(diff(table(TOP_V1, ''), table('', '')))).toEqual([
      '~ 0.0.0.0:5000 db v1 policy proxyProtocol V1 → off', '~ 0.0.0.0:5000 db v2 policy proxyProtocol V1 → off',
    ]);
  });

  test('an unknown version rejects the commit with FIELD_ENUM at the DestinationRule', () => {
    const d = buildDesired(manifestFiles(files('  trafficPolicy:\n    proxyProtocol: {version: V9}\n', '')), DEFAULT_COMPILE_OPTIONS);
    expect(d.ok).toBe(false);
    expect(d.diagnostics.filter((x) => x.severity === 'error').map((x) => [x.code, x.file, x.field])).toEqual([
      [Codes.FIELD_ENUM, 'dr.yaml', 'spec.trafficPolicy.proxyProtocol.version'],
    ]);
  });
});

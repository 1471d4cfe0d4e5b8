/** Gateway TLS servers (tls.mode) and the accept-proxy-protocol annotation, as the manifest reader reads them. */
import { Codes, type Code, type Diagnostic } from '../../src/errors';
import type { Gateway } from '../../src/manifest/types';
import { istio, parseOne } from './util';

/** A Gateway whose only server (line 7) has `protocol` and then `tls` (from line 9); `annotations` go under metadata. */
const GW = (protocol: string, tls: string, annotations = '') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
${annotations}spec:
  servers:
  - port: {number: 443, name: tls, protocol: ${protocol}}
    hosts: ["*"]
${tls}`;

function read(text: string): { gw: Gateway | undefined; diagnostics: Diagnostic[] } {
  const { resources, diagnostics } = parseOne(text);
  const gw = resources.find((r): r is Gateway => r.kind === 'Gateway');
  return { gw, diagnostics };
}

const at = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.code}@${d.line}:${d.col}:${d.severity}`);

describe('a TLS or HTTPS server with tls.mode PASSTHROUGH is a passthrough server', () => {
  test.each([
    ['TLS', '    tls: {mode: PASSTHROUGH}\n'],
    ['tls', '    tls:\n      mode: PASSTHROUGH\n'],
    ['HTTPS', '    tls: {mode: PASSTHROUGH}\n'],
    // PASSTHROUGH is the proto's zero value: a tls block without a mode is passthrough in Istio.
    ['TLS', '    tls: {}\n'],
  ])('%s %j', (protocol, tls) => {
    const { gw, diagnostics } = read(GW(protocol, tls));
    expect(diagnostics).toEqual([]);
    expect(gw?.spec.servers).toEqual([{ index: 0, port: { number: 443, name: 'tls', protocol }, hosts: ['*'], passthrough: true }]);
  });

  test('a setting written as null is absent (found by the fuzz corpus: it threw)', () => {
    const { gw, diagnostics } = read(GW('TLS', '    tls: {mode: PASSTHROUGH, credentialName: ~}\n'));
    expect(diagnostics).toEqual([]);
    expect(gw?.spec.servers[0]?.passthrough).toBe(true);
  });

  test('certificate settings mean nothing to a passthrough server: a warning each, the server is kept', () => {
    const { gw, diagnostics } = read(GW('TLS', '    tls:\n      mode: PASSTHROUGH\n      credentialName: cert\n      minProtocolVersion: TLSV1_2\n'));
    expect(at(diagnostics)).toEqual(['FIELD_UNSUPPORTED@11:7:warning', 'FIELD_UNSUPPORTED@12:7:warning']);
    expect(diagnostics.map((d) => d.field)).toEqual(['spec.servers[0].tls.credentialName', 'spec.servers[0].tls.minProtocolVersion']);
    expect(gw?.spec.servers[0]?.passthrough).toBe(true);
  });
});

describe('modes tcpshift cannot serve', () => {
  const CASES: readonly [string, string, Code, 'error' | 'warning', string, string][] = [
    ['TLS', '    tls: {mode: SIMPLE, credentialName: c}\n', Codes.TLS_MODE_UNSUPPORTED, 'error', '9:11', 'spec.servers[0].tls.mode'],
    ['TLS', '    tls: {mode: MUTUAL}\n', Codes.TLS_MODE_UNSUPPORTED, 'error', '9:11', 'spec.servers[0].tls.mode'],
    ['TLS', '    tls: {mode: ISTIO_MUTUAL}\n', Codes.TLS_MODE_UNSUPPORTED, 'error', '9:11', 'spec.servers[0].tls.mode'],
    ['TLS', '    tls: {mode: OPTIONAL_MUTUAL}\n', Codes.TLS_MODE_UNSUPPORTED, 'error', '9:11', 'spec.servers[0].tls.mode'],
    ['TLS', '    tls:\n      mode: AUTO_PASSTHROUGH\n', Codes.TLS_MODE_UNSUPPORTED, 'error', '10:7', 'spec.servers[0].tls.mode'],
    ['TLS', '    tls: {mode: PASSTHRU}\n', Codes.FIELD_ENUM, 'error', '9:11', 'spec.servers[0].tls.mode'],
    ['TLS', '', Codes.FIELD_REQUIRED, 'error', '7:5', 'spec.servers[0].tls'],
    ['TLS', '    tls: passthrough\n', Codes.FIELD_TYPE, 'error', '9:5', 'spec.servers[0].tls'],
    // HTTPS terminated is HTTP: Istio's business, skipped as before.
    ['HTTPS', '    tls: {mode: SIMPLE, credentialName: c}\n', Codes.SERVER_SKIPPED, 'warning', '7:5', 'spec.servers[0]'],
    ['HTTPS', '', Codes.SERVER_SKIPPED, 'warning', '7:5', 'spec.servers[0]'],
  ];
  test.each(CASES)('%s %j → %s', (protocol, tls, code, severity, where, field) => {
    const { gw, diagnostics } = read(GW(protocol, tls));
    expect(at(diagnostics)).toEqual([`${code}@${where}:${severity}`]);
    expect(diagnostics[0]?.field).toBe(field);
    expect(diagnostics[0]?.file).toBe('m.yaml');
    // The server is not served, whatever the severity; the Gateway is still read.
    expect(gw?.spec.servers).toEqual([]);
    expect(gw?.spec.serverCount).toBe(1);
  });

  test('a server that is not served is not read further (its port name, bind and unknown keys are not tcpshift\'s business)', () => {
    const text = GW('HTTPS', '    tls: {mode: SIMPLE}\n    bind: not-an-ip\n    extra: 1\n').replace('name: tls,', 'name: "https 1",');
    expect(read(text).diagnostics.map((d) => d.code)).toEqual([Codes.SERVER_SKIPPED]);
    const tls = GW('TLS', '    tls: {mode: MUTUAL}\n    extra: 1\n').replace('name: tls,', 'name: "tls 1",');
    expect(read(tls).diagnostics.map((d) => d.code)).toEqual([Codes.TLS_MODE_UNSUPPORTED]);
  });

  test('the message says why and what to write instead', () => {
    const auto = read(GW('TLS', '    tls: {mode: AUTO_PASSTHROUGH}\n')).diagnostics[0]?.message ?? '';
    expect(auto).toMatch(/AUTO_PASSTHROUGH/);
    expect(auto).toMatch(/PASSTHROUGH with VirtualService tls\[\]/);
    expect(read(GW('TLS', '    tls: {mode: SIMPLE}\n')).diagnostics[0]?.message).toMatch(/does not terminate TLS/);
  });

  test('tls on a TCP server is an error, as in Istio (test/manifest/istio-parity.test.ts)', () => {
    const { diagnostics } = read(GW('TCP', '    tls: {mode: PASSTHROUGH}\n'));
    expect(diagnostics.map((d) => d.code)).toEqual([Codes.FIELD_UNSUPPORTED]);
  });
});

describe('annotation tcpshift.io/accept-proxy-protocol', () => {
  const ann = (v: string) => `  annotations:\n    tcpshift.io/accept-proxy-protocol: ${v}\n    other.example.com/x: "1"\n`;

  test.each([
    ['"true"', true],
    ["'true'", true],
    ['"false"', undefined],
  ])('%s → acceptProxyProtocol %s', (value, expected) => {
    const { gw, diagnostics } = read(GW('TCP', '', ann(value)));
    expect(diagnostics).toEqual([]);
    expect(gw?.spec.acceptProxyProtocol).toBe(expected);
  });

  test('absent → not set; other annotations are not read', () => {
    const { gw, diagnostics } = read(GW('TCP', '', '  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: "{}"\n'));
    expect(diagnostics).toEqual([]);
    expect(gw?.spec).not.toHaveProperty('acceptProxyProtocol');
  });

  test.each(['"yes"', 'true', '"TRUE"', '1'])('%s → FIELD_ENUM at the annotation, not set', (value) => {
    const { gw, diagnostics } = read(GW('TCP', '', ann(value)));
    expect(at(diagnostics)).toEqual(['FIELD_ENUM@6:5:error']);
    expect(diagnostics[0]?.field).toBe('metadata.annotations.tcpshift.io/accept-proxy-protocol');
    expect(gw?.spec).not.toHaveProperty('acceptProxyProtocol');
  });

  test('on a VirtualService the annotation is not read (it is a Gateway setting)', () => {
    const vs = istio('VirtualService', '  hosts: [a]\n  tcp: [{route: [{destination: {host: a}}]}]\n').replace('metadata:\n', `metadata:\n${ann('"maybe"')}`);
    expect(parseOne(vs).diagnostics).toEqual([]);
  });
});

/**
 * Protocols as Istio parses them (pkg/config/protocol/instance.go at istio/istio 86c9f01: Parse, IsTCP) and as
 * it reads a Service's appProtocol (pkg/config/kube/conversion.go: ConvertProtocol).
 */
import { Codes } from '../../src/errors';
import { appProtocolClass, protocolClass } from '../../src/manifest/protocol';
import { parseOne } from './util';

/** Every name protocol.Parse knows, and its class here: IsTCP() and no TLS → served as TCP; TLS/HTTPS (IsTCP, but SNI) and the rest → skipped. */
const ISTIO_PARSE: readonly (readonly [string, 'tcp' | 'skipped'])[] = [
  ['tcp', 'tcp'], ['mongo', 'tcp'], ['redis', 'tcp'], ['mysql', 'tcp'],
  ['tls', 'skipped'], ['https', 'skipped'],
  ['udp', 'skipped'], ['grpc', 'skipped'], ['grpc-web', 'skipped'], ['http', 'skipped'], ['http_proxy', 'skipped'], ['http2', 'skipped'],
];

test.each(ISTIO_PARSE)('%s (any case) is %s', (name, cls) => {
  for (const n of [name, name.toUpperCase(), `${name[0]?.toUpperCase()}${name.slice(1)}`]) expect(protocolClass(n)).toBe(cls);
});

// Parse compares the lower-cased name with "DoubleHBONE", so it never matches; HBONE is not parsed at all.
test.each(['HBONE', 'DoubleHBONE', 'TPC', 'tcp-echo', ''])('%j is not a protocol Istio parses', (name) => {
  expect(protocolClass(name)).toBe('unknown');
});

test.each([
  ['tcp-echo', 9000, 'tcp'], ['mongo-primary', 9000, 'tcp'], ['redis', 6379, 'tcp'], ['grpc-web-x', 9000, 'skipped'],
  ['http-web', 80, 'skipped'], ['kubernetes.io/h2c', 80, 'skipped'], ['kubernetes.io/wss', 443, 'skipped'],
  ['TPC', 9000, 'unknown'], ['unknown', 3306, 'tcp'], ['unknown', 27017, 'tcp'],
] as const)('appProtocol %s on port %d is %s (kube.ConvertProtocol)', (app, port, cls) => {
  expect(appProtocolClass(app, port)).toBe(cls);
});

const service = (appProtocol: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 9000, appProtocol: ${appProtocol}}\n`;

test('an appProtocol Istio does not know is a warning: Istio sniffs it, Kubernetes accepts it', () => {
  const { diagnostics } = parseOne(service('TPC'));
  expect(diagnostics.map((d) => [d.code, d.severity, d.field])).toEqual([[Codes.UNKNOWN_PROTOCOL, 'warning', 'spec.ports[0].appProtocol']]);
});

test.each(['tcp-echo', 'mysql-primary', 'example.com/custom'])('appProtocol %s reads clean', (app) => {
  expect(parseOne(service(app)).diagnostics).toEqual([]);
});

/** TCP-family protocols: what Istio's protocol.IsTCP() proxies as opaque TCP is a listener; HTTP-family and TLS are skipped; a typo is an error. */
import { Codes } from '../../src/errors';
import { protocolClass } from '../../src/manifest/protocol';
import { buildDesired } from '../../src/model/desired';
import { manifestFiles } from '../helpers/manifests';

const files = (protocol: string) => manifestFiles({
  'm.yaml': `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 27017, name: db, protocol: ${protocol}}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: ["*"]
  gateways: [gw]
  tcp:
  - route:
    - destination: {host: db}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db}
spec:
  hosts: [db]
  ports: [{number: 27017, name: db, protocol: ${protocol}}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1}]
`,
});

test.each(['TCP', 'MONGO', 'MYSQL', 'REDIS', 'mongo', 'Redis'])('%s: the server is a listener', (protocol) => {
  const d = buildDesired(files(protocol));
  expect(d.diagnostics).toEqual([]);
  expect(d.ok && d.table.listeners.map((l) => l.key)).toEqual(['0.0.0.0:27017']);
});

// TLS (and HTTPS with tls.mode PASSTHROUGH) servers are read as TLS passthrough: test/manifest/tls-gateway.test.ts.
test.each(['HTTP', 'HTTP2', 'GRPC', 'HTTPS', 'UDP', 'grpc-web', 'HTTP_PROXY'])('%s: the server is skipped with a warning', (protocol) => {
  const d = buildDesired(files(protocol));
  expect(d.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  expect(d.diagnostics.map((x) => x.code)).toContain(Codes.SERVER_SKIPPED);
  expect(d.ok && d.table.listeners).toEqual([]);
});

test('TPC: UNKNOWN_PROTOCOL on the server and on the ServiceEntry port, at each protocol field; the commit is rejected', () => {
  const d = buildDesired(files('TPC'));
  expect(d.ok).toBe(false);
  expect(d.diagnostics.filter((x) => x.code === Codes.UNKNOWN_PROTOCOL).map((x) => [x.line, x.col, x.field])).toEqual([
    [7, 37, 'spec.servers[0].port.protocol'],
    [25, 37, 'spec.ports[0].protocol'],
  ]);
  expect(protocolClass('tpc')).toBe('unknown');
});

/** `tcpshift validate` (the built CLI) on Istio TLS-passthrough and PROXY-protocol manifests: valid ones pass, broken ones print file:line:col: CODE. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tcpshift } from '../helpers/cli';
import { tempDir } from '../helpers/git';

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: tls-gateway
  annotations:
    tcpshift.io/accept-proxy-protocol: "true"
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: ["*.example.com"]
`;
const SERVICE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: db
spec:
  hosts: [db]
  ports: [{number: 5432, name: tls, protocol: TLS}]
  resolution: STATIC
  endpoints:
  - {address: 127.0.0.1, ports: {tls: 9001}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {tls: 9002}, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: db
spec:
  host: db
  trafficPolicy:
    proxyProtocol: {version: V2}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`;
const ROUTES = (name: string, sni: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
spec:
  hosts: ["*.example.com"]
  gateways: [tls-gateway]
  tls:
  - match:
    - sniHosts: [${sni}]
    route:
    - destination: {host: db, subset: v1}
      weight: 80
    - destination: {host: db, subset: v2}
      weight: 20
`;

function validate(files: Record<string, string>): { code: number | null; stdout: string } {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.dir, 'm'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir.dir, 'm', name), text);
    const r = tcpshift(['validate', '-q', 'm'], { cwd: dir.dir });
    return { code: r.code, stdout: r.stdout };
  } finally {
    dir.cleanup();
  }
}

test('Istio SNI passthrough manifests with PROXY protocol both ways validate', () => {
  const r = validate({ 'gw.yaml': GATEWAY, 'db.yaml': SERVICE, 'vs.yaml': ROUTES('db', 'db.example.com') });
  expect(r.stdout).not.toMatch(/error/i);
  expect(r.code).toBe(0);
});

test('broken ones: every error with its file, line and column', () => {
  const r = validate({
    'gw.yaml': GATEWAY.replace('tcpshift.io/accept-proxy-protocol: "true"', 'tcpshift.io/accept-proxy-protocol: "yes"'),
    'db.yaml': SERVICE.replace('version: V2', 'version: V3'),
    'vs.yaml': ROUTES('db', 'db.example.org'),
    'vs2.yaml': ROUTES('db2', 'cache.example.com') + ROUTES('db3', 'cache.example.com').replace(/^/, '---\n'),
  });
  expect(r.code).toBe(1);
  expect(r.stdout.split('\n').filter((l) => l.startsWith('m/')).map((l) => l.split(': ').slice(0, 2).join(': '))).toEqual([
    'm/db.yaml:20:21: FIELD_ENUM',
    'm/gw.yaml:6:5: FIELD_ENUM',
    'm/vs.yaml:10:18: SNI_NOT_IN_HOSTS',
    'm/vs2.yaml:26:18: SNI_CONFLICT',
  ]);
});

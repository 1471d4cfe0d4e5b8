/** The Gateway API end to end: the fixture served on a real socket, `get gtw|tcproute|tlsroute|referencegrant`, and `validate --gateway-class`. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { withDemoPorts } from '../../src/cli/demo-steps';
import { connectAndSend } from '../../src/echo/client';
import { tcpshift, tcpshiftAsync } from '../helpers/cli';
import { tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { servingInstance } from '../helpers/instance';
import { freePort } from '../helpers/net';
import { metric, parseMetrics } from '../helpers/prom';

const FORM = join(__dirname, '..', 'fixtures', 'gateway-api-form');
const h = new Harness();
afterEach(() => h.cleanup());

/** The fixture's manifests on `ports`, plus a ReferenceGrant and a TLSRoute (its data path is not under test here). */
function files(ports: { port: number; v1: number; v2: number }, tls: number): Record<string, string> {
  const dir = join(FORM, 'manifests');
  const out = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => [f, withDemoPorts(readFileSync(join(dir, f), 'utf8'), ports)]));
  out['tls.yaml'] = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: tls-gateway}
spec:
  gatewayClassName: istio
  listeners:
  - {name: tls, port: ${tls}, protocol: TLS, tls: {mode: Passthrough}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: secure}
spec:
  parentRefs: [{name: tls-gateway}]
  hostnames: [echo.example.com]
  rules:
  - backendRefs: [{name: tcp-echo-v2, port: 9000}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-edge}
spec:
  from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: edge}]
  to: [{group: "", kind: Service}]
`;
  return out;
}

test('the Gateway API form serves on a real socket; get shows each kind, the route with its status', async () => {
  const ports = { port: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const { admin } = await servingInstance(h, files(ports, await freePort()));
  expect(await connectAndSend(ports.port, 'hello')).toBe('one hello\n');
  // The metrics name the Service and its workloads' version, as Istio's do for a Gateway API backend.
  const m = parseMetrics(await (await fetch(`http://${admin}/metrics`)).text());
  expect(metric(m, 'istio_tcp_connections_opened_total', { destination_service: 'tcp-echo-v1', destination_version: 'v1' })).toBe(1);

  const route = await tcpshiftAsync(['get', 'tcproute', 'tcp-echo', '-o', 'yaml', '--admin', admin]);
  expect(route.code).toBe(0);
  expect(parse(route.stdout)).toMatchObject({
    kind: 'TCPRoute', metadata: { name: 'tcp-echo', namespace: 'default' },
    status: { parents: [{
      parentRef: { name: 'tcp-echo-gateway', sectionName: `tcp-${ports.port}` }, controllerName: 'tcpshift.io/gateway-controller',
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted' }, { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' }],
    }] },
  });
  const tls = await tcpshiftAsync(['get', 'tlsroute', 'secure', '-o', 'json', '--admin', admin]);
  expect(JSON.parse(tls.stdout)).toMatchObject({ kind: 'TLSRoute', spec: { hostnames: ['echo.example.com'] }, status: { parents: [{ conditions: [{ reason: 'Accepted' }, { reason: 'ResolvedRefs' }] }] } });

  const gw = await tcpshiftAsync(['get', 'gtw', 'tcp-echo-gateway', '-o', 'yaml', '--admin', admin]);
  expect(parse(gw.stdout)).toMatchObject({ kind: 'Gateway', status: {
    conditions: [{ type: 'Accepted', status: 'True' }],
    listeners: [{ name: `tcp-${ports.port}`, attachedRoutes: 1, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }] }],
  } });
  const gtw = await tcpshiftAsync(['get', 'gtw', '--admin', admin]);
  expect(gtw.stdout.trimEnd().split('\n')).toEqual([
    expect.stringMatching(/^NAME +NAMESPACE +CLASS \/ LISTENERS$/),
    expect.stringMatching(new RegExp(`^tcp-echo-gateway +default +istio  tcp-${ports.port}:${ports.port}/TCP$`)),
    expect.stringMatching(/^tls-gateway +default +istio  tls:\d+\/TLS$/),
  ]);
  const routes = await tcpshiftAsync(['get', 'tcproute', '--admin', admin]);
  expect(routes.stdout).toMatch(/tcp-echo +default +tcp-echo-gateway\/tcp-\d+  tcp-echo-v1:9000 1  Accepted/);
  const name = await tcpshiftAsync(['get', 'gateway.gateway.networking.k8s.io', 'tcp-echo-gateway', '-o', 'name', '--admin', admin]);
  expect(name.stdout).toBe('gateway.gateway.networking.k8s.io/tcp-echo-gateway\n');
  const grant = await tcpshiftAsync(['get', 'referencegrant', '--admin', admin]);
  expect(grant.stdout).toMatch(/from-edge +default +edge\/TCPRoute  Service/);
  // `gateway` is still Istio's Gateway: there is none here.
  const istio = await tcpshiftAsync(['get', 'gateway', '--admin', admin]);
  expect(istio.stdout.trim()).toBe('No resources found.');
}, 60_000);

test('validate --gateway-class: a Gateway of another class is skipped with a warning naming the class', () => {
  const dir = tempDir();
  h.defer(async () => dir.cleanup());
  const ports = { port: 31400, v1: 9000, v2: 9001 };
  for (const [f, text] of Object.entries(files(ports, 8443))) writeFileSync(join(dir.dir, f), text);
  const ok = tcpshift(['validate', dir.dir]);
  expect(ok.code).toBe(0);
  const other = tcpshift(['validate', '--gateway-class', 'edge', dir.dir]);
  expect(other.code).toBe(0);
  expect(other.stdout + other.stderr).toMatch(/GATEWAY_CLASS_SKIPPED: spec\.gatewayClassName "istio" is not the class this proxy serves \(--gateway-class edge\)/);
});

/** The kinds that say where workloads are, end to end: a Service backed by an EndpointSlice serves on a real socket, and `get` shows each kind. */
import { parse } from 'yaml';
import { startApp, type App } from '../../src/app';
import { connectAndSend } from '../../src/echo/client';
import { testAppConfig } from '../helpers/app';
import { tcpshiftAsync } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

/** A second listener whose Service has no selector: its one endpoint is in an EndpointSlice. */
const sliceFiles = (gateway: number, backend: number) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: slice-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: ${gateway}, name: redis, protocol: REDIS}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: slice-echo}
spec:
  hosts: ["*"]
  gateways: [slice-gateway]
  tcp:
  - route:
    - destination: {host: slice-echo.default.svc, port: {number: 6379}}
---
apiVersion: v1
kind: Service
metadata: {name: slice-echo}
spec:
  ports:
  - {name: redis, port: 6379, appProtocol: redis}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: slice-echo-1
  labels: {kubernetes.io/service-name: slice-echo}
addressType: IPv4
endpoints:
- addresses: [127.0.0.1]
- addresses: [127.0.0.2]
  conditions: {ready: false}
ports:
- {name: redis, port: ${backend}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: far-away}
spec:
  address: 192.0.2.10
  locality: us-east1/us-east1-b
  labels: {app: elsewhere}
`;

describe('against a running instance', () => {
  let app: App;
  let admin: string;
  let slicePort: number;

  beforeEach(async () => {
    const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
    slicePort = await freePort();
    const three = await h.echo('three');
    const repo = gitRepo({ ...split8020Files(ports), 'slice.yaml': sliceFiles(slicePort, three) });
    const state = tempDir();
    h.defer(async () => { repo.cleanup(); state.cleanup(); });
    app = await startApp(testAppConfig(repo.dir, state.dir), silent);
    h.defer(() => app.stop(500));
    await waitFor(() => app.reconciler.status().lastOutcome !== null, 10_000, 'first reconcile');
    expect(app.reconciler.status().lastOutcome).toBe('applied');
    admin = `127.0.0.1:${app.adminPort}`;
  });

  test('a REDIS server routes to the ready EndpointSlice endpoint', async () => {
    expect(await connectAndSend(slicePort, 'ping')).toBe('three ping\n');
  });

  test('get workloadentry|service|endpointslice NAME -o yaml', async () => {
    const we = await tcpshiftAsync(['get', 'workloadentry', 'far-away', '-o', 'yaml', '--admin', admin]);
    expect(we.code).toBe(0);
    expect(parse(we.stdout)).toMatchObject({ kind: 'WorkloadEntry', metadata: { name: 'far-away', namespace: 'default' }, spec: { locality: 'us-east1/us-east1-b' } });
    const svc = await tcpshiftAsync(['get', 'svc', 'tcp-echo', '-o', 'yaml', '--admin', admin]);
    expect(parse(svc.stdout)).toMatchObject({ kind: 'Service', spec: { selector: { app: 'tcp-echo' } } });
    const slice = await tcpshiftAsync(['get', 'endpointslice', 'slice-echo-1', '-o', 'yaml', '--admin', admin]);
    expect(parse(slice.stdout)).toMatchObject({ kind: 'EndpointSlice', addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }, expect.anything()] });
    const table = await tcpshiftAsync(['get', 'we', '--admin', admin]);
    expect(table.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^NAME +NAMESPACE +ADDRESS \/ LABELS$/),
      expect.stringMatching(/^far-away +default +192\.0\.2\.10 +app=elsewhere$/),
      expect.stringMatching(/^tcp-echo-v1 +default +127\.0\.0\.1:\d+ +app=tcp-echo,version=v1$/),
      expect.stringMatching(/^tcp-echo-v2 +default +127\.0\.0\.1:\d+ +app=tcp-echo,version=v2$/),
    ]);
  });
});

/** The admin HTTP API on a real instance: health, readiness, status, config, reconcile, metrics, token. */
import { startApp, type App } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, waitFor } from '../helpers/net';
import { split8020Files } from '../helpers/walkthrough';

const h = new Harness();
afterEach(() => h.cleanup());

async function instance(opts: { repo?: string; token?: string } = {}): Promise<{ app: App; base: string; gateway: number }> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const repo = gitRepo(split8020Files(ports));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(opts.repo ?? repo.dir, state.dir, {
    admin: { host: '127.0.0.1', port: 0, ...(opts.token ? { token: opts.token } : {}) },
  }), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome !== null);
  return { app, base: `http://127.0.0.1:${app.adminPort}`, gateway: ports.gateway };
}

test('healthz, readyz, status and config after the first apply', async () => {
  const { app, base } = await instance();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const status = await (await fetch(`${base}/status`)).json() as Record<string, unknown> & { listeners: { route: { destinations: { subset: string; percent: number }[] } }[] };
  expect(status).toMatchObject({ ready: true, reason: 'ReconciliationSucceeded', lastAppliedRevision: app.reconciler.status().lastAppliedRevision, activeConnections: 0 });
  expect(status.listeners[0]!.route.destinations.map((d) => [d.subset, d.percent])).toEqual([['v1', 80], ['v2', 20]]);
  const config = await (await fetch(`${base}/config`)).json() as { resources: { kind: string }[] };
  expect(config.resources.map((r) => r.kind).sort()).toEqual(['DestinationRule', 'Gateway', 'Service', 'VirtualService', 'WorkloadEntry', 'WorkloadEntry']);
});

test('readyz is 503 and status says FetchFailed while no revision could be fetched', async () => {
  const { base } = await instance({ repo: '/nonexistent/tcpshift-repo' });
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  const status = await (await fetch(`${base}/status`)).json() as Record<string, unknown>;
  expect(status).toMatchObject({ ready: false, reason: 'FetchFailed', lastAppliedRevision: null });
});

test('POST /reconcile returns the outcome; other methods and paths are refused', async () => {
  const { base } = await instance();
  const r = await fetch(`${base}/reconcile`, { method: 'POST', headers: { 'x-tcpshift-request': '1' } });
  expect(r.status).toBe(200);
  expect(await r.json()).toMatchObject({ outcome: 'noop' });
  expect((await fetch(`${base}/reconcile`)).status).toBe(405);
  expect((await fetch(`${base}/nope`)).status).toBe(404);
});

test('with --admin-token, POST /reconcile needs the bearer token', async () => {
  const { base } = await instance({ token: 's3cret' });
  expect((await fetch(`${base}/reconcile`, { method: 'POST' })).status).toBe(401);
  expect((await fetch(`${base}/reconcile`, { method: 'POST', headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
  expect((await fetch(`${base}/reconcile`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
  expect((await fetch(`${base}/status`)).status).toBe(200);
});

test('metrics: Istio TCP names per destination, reconcile counters', async () => {
  const { app, base, gateway } = await instance();
  for (let i = 0; i < 10; i++) await connectAndSend(gateway, 'hello');
  await waitFor(() => app.proxy.counters().destinations.reduce((n, d) => n + d.closed, 0) === 10, 2000, 'closes counted');
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
  expect(value('istio_tcp_connections_opened_total', 'destination_service="tcp-echo",destination_version="v1",destination_port="9000"')).toBe(8);
  expect(value('istio_tcp_connections_opened_total', 'destination_service="tcp-echo",destination_version="v2",destination_port="9000"')).toBe(2);
  expect(value('istio_tcp_received_bytes_total', 'destination_service="tcp-echo",destination_version="v2",destination_port="9000"')).toBe(12); // 2 × 'hello\n'
  expect(value('istio_tcp_sent_bytes_total', 'destination_service="tcp-echo",destination_version="v2",destination_port="9000"')).toBe(20); // 2 × 'two hello\n'
  expect(value('tcpshift_reconcile_total', 'outcome="applied"')).toBe(1);
  expect(text).toMatch(/^tcpshift_applied_revision_info\{revision="[0-9a-f]{40}"\} 1$/m);
});

/** GET /metrics after known traffic and known reconciles: every metric the README lists, scraped and parsed, with its value. */
import { renameSync } from 'node:fs';
import { startApp, type App } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort, LineClient, waitFor } from '../helpers/net';
import { metric, parseMetrics, type Sample } from '../helpers/prom';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

const OUTLIER = '      outlierDetection:\n        consecutiveGatewayErrors: 1\n        baseEjectionTime: 60s\n        maxEjectionPercent: 100\n      loadBalancer:\n        simple: ROUND_ROBIN\n';

interface Fixture { app: App; repo: GitRepo; gateway: number; scrape(): Promise<Sample[]> }

/** v1 = a live echo plus a dead port (ejected after its first failed connect), v2 = a live echo; 80/20. */
async function fixture(): Promise<Fixture> {
  const gateway = await freePort();
  const dead = await freePort();
  const repo = gitRepo(routeFiles({ gateway, v1: [await h.echo('one'), dead], v2: [await h.echo('two')], v1Policy: OUTLIER }));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome !== null);
  expect(app.reconciler.status().lastOutcome).toBe('applied');
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${app.adminPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };
  return { app, repo, gateway, scrape };
}

const v1 = { destination_service: 'tcp-echo', destination_version: 'v1', destination_port: '9000' };
const v2 = { destination_service: 'tcp-echo', destination_version: 'v2', destination_port: '9000' };

test('Istio TCP metrics and tcpshift connection metrics after 10 closed and 1 open connection', async () => {
  const { app, gateway, scrape } = await fixture();
  for (let i = 0; i < 10; i++) expect(await connectAndSend(gateway, 'hello')).toMatch(/^(one|two) hello\n$/);
  await waitFor(() => app.proxy.counters().destinations.reduce((n, d) => n + d.closed, 0) === 10, 2000, 'closes counted');
  const held = await LineClient.open(gateway);
  h.defer(async () => held.close());
  const heldOn = (await held.send('still here')).startsWith('one') ? v1 : v2;

  const m = await scrape();
  // README: `tcpshift_process_*`, prom-client's Node.js process metrics (their own names keep a `process_` of their own).
  expect(metric(m, 'tcpshift_process_process_cpu_seconds_total')).toBeGreaterThan(0);
  expect(metric(m, 'tcpshift_process_process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(metric(m, 'tcpshift_process_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  expect(metric(m, 'tcpshift_process_nodejs_version_info', { version: process.version })).toBe(1);
  // 80/20 by smooth weighted round robin: 8 to v1, 2 to v2; each sent 'hello\n' (6 B) and got '<prefix> hello\n' (10 B).
  expect(metric(m, 'istio_tcp_connections_opened_total', v1)! - (heldOn === v1 ? 1 : 0)).toBe(8);
  expect(metric(m, 'istio_tcp_connections_opened_total', v2)! - (heldOn === v2 ? 1 : 0)).toBe(2);
  expect(metric(m, 'istio_tcp_connections_closed_total', v1)).toBe(8);
  expect(metric(m, 'istio_tcp_connections_closed_total', v2)).toBe(2);
  // Bytes are taken from the sockets' own counters when a connection closes: the open one is not counted yet.
  expect(metric(m, 'istio_tcp_received_bytes_total', v1)).toBe(8 * 6);
  expect(metric(m, 'istio_tcp_received_bytes_total', v2)).toBe(2 * 6);
  expect(metric(m, 'istio_tcp_sent_bytes_total', v1)).toBe(8 * 10);
  expect(metric(m, 'istio_tcp_sent_bytes_total', v2)).toBe(2 * 10);
  expect(metric(m, 'tcpshift_active_connections', heldOn)).toBe(1);
  expect(metric(m, 'tcpshift_active_connections', heldOn === v1 ? v2 : v1)).toBe(0);
  // The dead v1 endpoint failed once, was ejected, and was never dialled again.
  expect(metric(m, 'tcpshift_connect_failures_total', v1)).toBe(1);
  expect(metric(m, 'tcpshift_connect_failures_total', v2)).toBe(0);
  const ejections = m.filter((s) => s.name === 'tcpshift_endpoint_ejections_total');
  expect(ejections.map((s) => s.value).sort()).toEqual([0, 0, 1]);
  expect(ejections.find((s) => s.value === 1)!.labels.endpoint).toBe(app.proxy.counters().endpoints.find((e) => e.connectFailures === 1)!.key);
  expect(metric(m, 'tcpshift_rejected_connections_total', v1)).toBe(0);

  held.close();
  await waitFor(() => app.proxy.counters().active === 0, 2000, 'held connection closed');
  const after = await scrape();
  expect(metric(after, 'tcpshift_active_connections', heldOn)).toBe(0);
  expect(metric(after, 'istio_tcp_connections_closed_total', heldOn)).toBe(heldOn === v1 ? 9 : 3);
  expect(metric(after, 'istio_tcp_received_bytes_total', heldOn)).toBe((heldOn === v1 ? 48 : 12) + 'still here\n'.length);
});

test('reconcile metrics: duration, outcomes, applied revision and time, fetch failures, ready and suspended', async () => {
  const { app, repo, scrape } = await fixture();
  const sha = repo.sha();
  const appliedAt = Date.parse(app.reconciler.status().lastAppliedAt!) / 1000;
  let m = await scrape();
  expect(metric(m, 'tcpshift_reconcile_total', { outcome: 'applied' })).toBe(1);
  for (const outcome of ['noop', 'rejected', 'failed', 'suspended']) expect(metric(m, 'tcpshift_reconcile_total', { outcome })).toBe(0);
  expect(metric(m, 'tcpshift_reconcile_duration_seconds_count', { outcome: 'applied' })).toBe(1);
  expect(metric(m, 'tcpshift_reconcile_duration_seconds_sum', { outcome: 'applied' })).toBeGreaterThan(0);
  expect(metric(m, 'tcpshift_reconcile_duration_seconds_bucket', { outcome: 'applied', le: '+Inf' })).toBe(1);
  expect(metric(m, 'tcpshift_applied_revision_info', { revision: sha })).toBe(1);
  expect(m.filter((s) => s.name === 'tcpshift_applied_revision_info')).toHaveLength(1);
  expect(metric(m, 'tcpshift_last_applied_timestamp_seconds')).toBeCloseTo(appliedAt, 2);
  expect(metric(m, 'tcpshift_fetch_failures_total')).toBe(0);
  expect(metric(m, 'tcpshift_ready')).toBe(1);
  expect(metric(m, 'tcpshift_suspended')).toBe(0);

  expect((await app.reconciler.trigger('t')).outcome).toBe('noop');
  renameSync(repo.dir, `${repo.dir}-gone`);
  h.defer(async () => renameSync(`${repo.dir}-gone`, repo.dir));
  expect((await app.reconciler.trigger('t')).outcome).toBe('failed');
  expect((await app.reconciler.trigger('t')).outcome).toBe('failed');
  await app.reconciler.suspend();
  m = await scrape();
  expect(metric(m, 'tcpshift_reconcile_total', { outcome: 'noop' })).toBe(1);
  expect(metric(m, 'tcpshift_reconcile_total', { outcome: 'failed' })).toBe(2);
  expect(metric(m, 'tcpshift_reconcile_duration_seconds_count', { outcome: 'failed' })).toBe(2);
  expect(metric(m, 'tcpshift_fetch_failures_total')).toBe(2);
  expect(metric(m, 'tcpshift_applied_revision_info', { revision: sha })).toBe(1);
  expect(metric(m, 'tcpshift_ready')).toBe(1); // still serving the applied revision
  expect(metric(m, 'tcpshift_suspended')).toBe(1);
});

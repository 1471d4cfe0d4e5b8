/** maxConnectionDuration end to end: a DestinationRule in a git repo → the proxy closes the connection → /metrics and /status count it. */
import { startApp } from '../../src/app';
import { testAppConfig } from '../helpers/app';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { Peer } from '../helpers/longlived';
import { freePort, waitFor } from '../helpers/net';
import { metric, parseMetrics } from '../helpers/prom';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

test('a v1 connection past maxConnectionDuration is closed and counted: tcpshift_expired_connections_total, status expired', async () => {
  const gateway = await freePort();
  const policy = '      connectionPool:\n        tcp:\n          maxConnectionDuration: 300ms\n';
  const repo = gitRepo(routeFiles({ gateway, v1: [await h.echo('one')], v2: [await h.echo('two')], weights: [100, 0], v1Policy: policy }));
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  const app = await startApp(testAppConfig(repo.dir, state.dir), silent);
  h.defer(() => app.stop(200));
  await waitFor(() => app.reconciler.status().lastOutcome !== null);
  expect(app.reconciler.status().lastOutcome).toBe('applied');
  const p = await Peer.open(gateway);
  h.defer(() => p.close());
  expect(await p.send('hi')).toBe('one hi');
  await p.closed;
  const v1 = { destination_service: 'tcp-echo', destination_version: 'v1', destination_port: '9000' };
  await waitFor(() => app.proxy.counters().destinations.some((d) => d.version === 'v1' && d.closed === 1));
  const res = await fetch(`http://127.0.0.1:${app.adminPort}/metrics`);
  const samples = parseMetrics(await res.text());
  expect(metric(samples, 'tcpshift_expired_connections_total', v1)).toBe(1);
  for (const reason of ['rebalance', 'drain', 'drain_after']) {
    expect(metric(samples, 'tcpshift_rebalanced_connections_total', { ...v1, reason })).toBe(0);
  }
  const status = await (await fetch(`http://127.0.0.1:${app.adminPort}/status`)).json() as { listeners: { route: { destinations: { version: string; expired: number }[] } }[] };
  expect(status.listeners[0]!.route.destinations.find((d) => d.version === 'v1')!.expired).toBe(1);
});

/**
 * Connections closed by `--max-connections` (the proxy's global cap) show where the README says:
 * `rejected` in /status (the proxy snapshot) and `tcpshift_rejected_connections_total` in /metrics.
 */
import { createMetrics } from '../../src/admin/metrics';
import { idleReconciler } from '../helpers/idle-reconciler';
import { Harness } from '../helpers/harness';
import { freePort, LineClient, waitFor } from '../helpers/net';
import { metric, parseMetrics } from '../helpers/prom';
import { tableOf } from '../helpers/table';

const h = new Harness();
afterEach(() => h.cleanup());

/** The reconciler as the metrics see it, idle: this test is about the proxy's counters. */

test('--max-connections 1: the second client is closed and counted in status and metrics', async () => {
  const port = await freePort();
  const proxy = h.proxy({ maxConnections: 1 });
  await proxy.swap(tableOf({ listeners: [{ port, destinations: [{ endpoints: [{ port: await h.echo('one') }] }] }] }));
  const first = await h.client(port);
  expect(await first.send('a')).toBe('one a');
  const second = await LineClient.open(port);
  await second.closed;
  await waitFor(() => proxy.counters().rejected === 1, 2000, 'rejection counted');

  const snap = proxy.snapshot();
  expect(snap.rejectedConnections).toBe(1);
  expect(snap.listeners[0]!.route.destinations[0]!.rejected).toBe(1);
  const m = parseMetrics(await createMetrics(proxy, idleReconciler, false).render());
  expect(metric(m, 'tcpshift_rejected_connections_total', { destination_service: 'tcp-echo', destination_version: 'v1' })).toBe(1);
});

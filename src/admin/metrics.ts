/**
 * Prometheus metrics: Istio's TCP metric names (so existing dashboards work) read from the proxy's
 * own counters at scrape time — nothing is done per connection here — plus the reconciler's.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CountersSnapshot } from '../proxy/counters';
import { REBALANCE_REASONS } from '../proxy/rebalance';
import type { Reconciler } from '../reconcile/reconciler';
import type { MetricsView } from './server';

const DEST_LABELS = ['destination_service', 'destination_version', 'destination_port'] as const;
type DestRow = CountersSnapshot['destinations'][number];

/**
 * Returns the registry view for `/metrics`; reconcile metrics are fed by the reconciler's run observer.
 * `instance` (`--instance`) labels every sample, so a fleet's series stay apart when aggregated.
 */
export function createMetrics(proxy: { counters(): CountersSnapshot }, reconciler: Reconciler, withDefaults = true, instance?: string): MetricsView & { registry: Registry } {
  const registry = new Registry();
  if (instance !== undefined) registry.setDefaultLabels({ instance });
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'tcpshift_process_' });
  let snap: CountersSnapshot | null = null;
  const read = () => (snap ??= proxy.counters());
  const perDestination = (name: string, help: string, pick: (d: DestRow) => number, kind: 'counter' | 'gauge') => {
    const Metric = kind === 'counter' ? Counter : Gauge;
    return new Metric({
      name, help, labelNames: DEST_LABELS, registers: [registry],
      collect(this: Counter<string> | Gauge<string>) {
        this.reset();
        for (const d of read().destinations) {
          const labels = { destination_service: d.service, destination_version: d.version, destination_port: String(d.port) };
          if (this instanceof Gauge) this.set(labels, pick(d));
          else this.inc(labels, pick(d));
        }
      },
    });
  };
  perDestination('istio_tcp_connections_opened_total', 'Upstream TCP connections opened, per destination subset', (d) => d.opened, 'counter');
  perDestination('istio_tcp_connections_closed_total', 'Upstream TCP connections closed, per destination subset', (d) => d.closed, 'counter');
  perDestination('istio_tcp_sent_bytes_total', 'Bytes sent to clients (the response direction)', (d) => d.bytesSent, 'counter');
  perDestination('istio_tcp_received_bytes_total', 'Bytes received from clients (the request direction)', (d) => d.bytesReceived, 'counter');
  perDestination('tcpshift_active_connections', 'Client connections assigned to the destination and not yet closed', (d) => d.active, 'gauge');
  perDestination('tcpshift_connect_failures_total', 'Failed dial attempts to endpoints of the destination', (d) => d.connectFailures, 'counter');
  perDestination('tcpshift_rejected_connections_total', 'Client connections closed at once by maxConnections', (d) => d.rejected, 'counter');
  const perReason = (name: string, help: string, pick: (c: CountersSnapshot) => CountersSnapshot['acceptErrors']) => new Counter({
    name, help, labelNames: ['reason'], registers: [registry],
    collect() {
      this.reset();
      for (const r of pick(read())) this.inc({ reason: r.reason }, r.count);
    },
  });
  perReason('tcpshift_accept_errors_total', 'Connections the listeners could not accept (shed while out of descriptors, or accept failures), per errno name', (c) => c.acceptErrors);
  perReason('tcpshift_local_connect_errors_total', 'Dials that failed for a reason of this host (EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS), never blamed on the endpoint', (c) => c.localConnectErrors);
  const perListenerReason = (name: string, help: string, pick: (c: CountersSnapshot) => CountersSnapshot['sniUnmatched']) => new Counter({
    name, help, labelNames: ['listener', 'reason'], registers: [registry],
    collect() {
      this.reset();
      for (const r of pick(read())) this.inc({ listener: r.listener, reason: r.reason }, r.count);
    },
  });
  perListenerReason('tcpshift_sni_unmatched_total', 'TLS passthrough connections closed before routing: no SNI route matched (no_match, no_sni), or no ClientHello read (not_tls, timeout, too_large, closed)', (c) => c.sniUnmatched);
  perListenerReason('tcpshift_proxy_protocol_rejected_total', 'Connections on accept-proxy-protocol listeners closed without a valid PROXY header (not_proxy, invalid, too_large, timeout, closed)', (c) => c.proxyProtocolRejected);
  perDestination('tcpshift_expired_connections_total', 'Open connections closed by maxConnectionDuration', (d) => d.expired, 'counter');
  new Counter({
    name: 'tcpshift_rebalanced_connections_total', help: 'Open connections closed so that the active split follows the weights, per reason',
    labelNames: [...DEST_LABELS, 'reason'], registers: [registry],
    collect() {
      this.reset();
      for (const d of read().destinations) {
        for (const reason of REBALANCE_REASONS) {
          this.inc({ destination_service: d.service, destination_version: d.version, destination_port: String(d.port), reason }, d.rebalanced[reason]);
        }
      }
    },
  });
  new Counter({
    name: 'tcpshift_endpoint_ejections_total', help: 'Outlier-detection ejections, per endpoint', labelNames: ['endpoint'], registers: [registry],
    collect() {
      this.reset();
      for (const e of read().endpoints) this.inc({ endpoint: e.key }, e.ejections);
    },
  });

  const duration = new Histogram({
    name: 'tcpshift_reconcile_duration_seconds', help: 'Duration of reconcile runs', labelNames: ['outcome'], registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const total = new Counter({ name: 'tcpshift_reconcile_total', help: 'Reconcile runs by outcome', labelNames: ['outcome'], registers: [registry] });
  const fetchFailures = new Counter({ name: 'tcpshift_fetch_failures_total', help: 'Failed fetches of the source', registers: [registry] });
  const revision = new Gauge({ name: 'tcpshift_applied_revision_info', help: 'The applied revision (value 1)', labelNames: ['revision'], registers: [registry] });
  const appliedAt = new Gauge({ name: 'tcpshift_last_applied_timestamp_seconds', help: 'When the applied revision was applied (Unix time)', registers: [registry] });
  const ready = new Gauge({ name: 'tcpshift_ready', help: '1 when the Ready condition is true', registers: [registry] });
  new Gauge({
    name: 'tcpshift_rollout_step', help: 'The step a progressive rollout is at, per governed VirtualService', labelNames: ['target'], registers: [registry],
    collect() {
      this.reset();
      for (const r of reconciler.status().rollouts) this.set({ target: r.target }, r.step);
    },
  });
  new Gauge({
    name: 'tcpshift_rollout_phase', help: 'A rollout\'s phase (value 1 for the current one)', labelNames: ['target', 'phase'], registers: [registry],
    collect() {
      this.reset();
      for (const r of reconciler.status().rollouts) {
        for (const phase of ['Progressing', 'Paused', 'Succeeded', 'Aborted']) this.set({ target: r.target, phase }, r.phase === phase ? 1 : 0);
      }
    },
  });
  new Counter({
    name: 'tcpshift_rollout_checks_total', help: 'Rollout check results, per governed VirtualService, check and result', labelNames: ['target', 'check', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of reconciler.rolloutCheckTotals()) this.inc({ target: c.target, check: c.check, result: c.result }, c.count);
    },
  });
  new Gauge({
    name: 'tcpshift_suspended', help: '1 while the reconciler is suspended (POST /suspend)', registers: [registry],
    collect() { this.set(reconciler.status().suspended ? 1 : 0); },
  });
  for (const outcome of ['applied', 'noop', 'rejected', 'failed', 'suspended', 'rolling']) total.inc({ outcome }, 0);
  fetchFailures.inc(0);

  reconciler.onRun((result, status) => {
    duration.observe({ outcome: result.outcome }, result.durationMs / 1000);
    total.inc({ outcome: result.outcome });
    if (result.outcome === 'failed' && status.reason === 'FetchFailed') fetchFailures.inc();
    ready.set(status.ready ? 1 : 0);
    if (status.lastAppliedRevision) {
      revision.reset();
      revision.set({ revision: status.lastAppliedRevision }, 1);
      appliedAt.set(Date.parse(status.lastAppliedAt ?? '') / 1000 || 0);
    }
  });

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      snap = null;
      try {
        return await registry.metrics();
      } finally {
        snap = null;
      }
    },
  };
}

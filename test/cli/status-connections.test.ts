/** `tcpshift status` (text) for a route whose open connections are governed: active share against weight share per destination. */
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';

const dest = (subset: string, weight: number, percent: number, listenerActive: number, activePercent: number | null) => ({
  host: 'tcp-echo', subset, port: 9000, weight, percent, observedPercent: null, active: listenerActive, opened: 0, closed: 0,
  listenerActive, activePercent, endpoints: [],
});

const doc = (connections: unknown, draining: unknown[] = []): StatusDocument => ({
  source: 'git /r branch main', ready: true, reason: 'ReconciliationSucceeded', message: 'serving', lastAppliedRevision: null, lastAppliedAt: null,
  lastAttemptedRevision: null, lastAttemptedAt: null, lastOutcome: null, diagnostics: [], lastChanges: [], activeConnections: 20,
  listeners: [{ key: '127.0.0.1:31400', gateway: 'default/gw', route: {
    virtualService: 'default/vs', rule: 0, observedConnections: 0, activeConnections: 20, connections, draining,
    destinations: [dest('v1', 50, 50, 14, 70), dest('v2', 50, 50, 6, 30)],
  } }],
} as unknown as StatusDocument);

const POLICY = { rebalance: true, maxClosesPerSecond: 10, closeWhenIdleForMs: 1000, drainAfterMs: 300_000, stickiness: 'none' };

test('a governed route: its policy, and per destination the active share next to the weight share', () => {
  const lines = renderStatus(doc(POLICY, [{ key: 'tcp-echo|v0|9000', service: 'tcp-echo', version: 'v0', listenerActive: 2, activePercent: 10 }]));
  expect(lines).toContain('    connections: rebalance, at most 10 closes/s, idle 1s, drainAfter 5m; 20 open');
  expect(lines.find((l) => l.includes('tcp-echo v1:9000'))).toMatch(/weight 50 \(50%\) {2}active share 70% of 14 open/);
  expect(lines.find((l) => l.includes('tcp-echo v2:9000'))).toMatch(/active share 30% of 6 open/);
  expect(lines).toContain('    draining tcp-echo v0  active share 10% of 2 open');
});

test('a route without a connection policy shows no active share (open connections are never touched)', () => {
  const lines = renderStatus(doc(null));
  expect(lines.some((l) => l.includes('active share') || l.startsWith('    connections:'))).toBe(false);
});

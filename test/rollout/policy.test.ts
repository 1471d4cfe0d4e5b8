/** RolloutPolicy → compiled policy: defaults, targets, issue 10's connections/stickiness, and every error at once. */
import { Codes } from '../../src/errors';
import { connectionsFor } from '../../src/rollout/connections';
import { buildDesired } from '../../src/model/desired';
import { example8020, manifestFiles } from '../helpers/manifests';

const POLICY = (spec: string, name = 'tcp-echo'): string =>
  `apiVersion: tcpshift.io/v1alpha1\nkind: RolloutPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const FULL = POLICY(`  targetRefs:
  - name: tcp-echo
  steps: [5, 20, 50]
  stepDuration: 1m
  analysis:
    interval: 10s
    threshold: 2
    minConnections: 20
    maxConnectFailurePercent: 1
    maxFailedPercent: 5
    webhooks:
    - name: smoke
      url: http://127.0.0.1:8080/check
      timeout: 5s
    prometheus:
    - name: error-rate
      address: http://127.0.0.1:9090
      query: sum(rate(istio_tcp_connections_closed_total{destination_version="v2"}[1m]))
      max: 100
  connections:
    rebalance: true
    maxClosesPerSecond: 10
    closeWhenIdleFor: 1s
    drainAfter: 5m
  stickiness: sourceIP
`);

function build(extra: Record<string, string>) {
  return buildDesired(manifestFiles({ ...example8020(), ...extra }));
}

describe('RolloutPolicy compiled into the table', () => {
  test('the issue\'s example compiles with every field, 100 appended to the steps', () => {
    const d = build({ 'rollout.yaml': FULL });
    expect(d.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    if (!d.ok) throw new Error('not ok');
    expect(d.table.rollouts).toEqual([{
      name: 'default/tcp-echo', targets: ['default/tcp-echo'], steps: [5, 20, 50, 100], stepDurationMs: 60_000,
      analysis: {
        intervalMs: 10_000, threshold: 2, minConnections: 20, maxConnectFailurePercent: 1, maxFailedPercent: 5,
        webhooks: [{ name: 'smoke', url: 'http://127.0.0.1:8080/check', timeoutMs: 5000 }],
        prometheus: [{
          name: 'error-rate', address: 'http://127.0.0.1:9090',
          query: 'sum(rate(istio_tcp_connections_closed_total{destination_version="v2"}[1m]))', min: null, max: 100,
        }],
      },
      connections: { rebalance: true, maxClosesPerSecond: 10, closeWhenIdleForMs: 1000, drainAfterMs: 300_000 },
      stickiness: 'sourceIP',
    }]);
  });

  test('defaults: no targetRefs governs every VirtualService of the namespace; no steps = at once; connections null', () => {
    const d = build({ 'rollout.yaml': POLICY('  stepDuration: 2s\n') });
    if (!d.ok) throw new Error(JSON.stringify(d.diagnostics));
    const [p] = d.table.rollouts ?? [];
    expect(p).toMatchObject({ targets: ['default/tcp-echo'], steps: [100], stepDurationMs: 2000, connections: null, stickiness: null });
    expect(p?.analysis).toMatchObject({ intervalMs: 2000, threshold: 2, minConnections: 0, maxConnectFailurePercent: null });
  });

  test('a commit without a policy has no rollouts key (tables compare as before)', () => {
    const d = build({});
    if (!d.ok) throw new Error('not ok');
    expect(Object.hasOwn(d.table, 'rollouts')).toBe(false);
  });

  test('unknown target, two policies for one VirtualService and field errors are all reported at once, with positions', () => {
    const d = build({
      'a.yaml': POLICY('  targetRefs:\n  - name: tcp-echo\n  - name: nope\n  steps: [50, 20]\n', 'a'),
      'b.yaml': POLICY('  targetRefs:\n  - name: tcp-echo\n  analysis:\n    webhooks:\n    - {name: w, url: "file:///x"}\n', 'b'),
    });
    expect(d.ok).toBe(false);
    const errs = d.diagnostics.filter((x) => x.severity === 'error').map((x) => `${x.file}:${x.line}:${x.col} ${x.code}`);
    expect(errs).toEqual([
      'a.yaml:8:5 ROLLOUT_UNKNOWN_TARGET',
      'a.yaml:9:15 ROLLOUT_STEPS_ORDER',
      'b.yaml:7:5 ROLLOUT_DUPLICATE_TARGET',
      'b.yaml:10:17 ROLLOUT_URL',
    ]);
    const dup = d.diagnostics.find((x) => x.code === Codes.ROLLOUT_DUPLICATE_TARGET);
    expect(dup?.related).toEqual({ file: 'a.yaml', line: 7, col: 5 });
  });

  test('two policies without targetRefs in one namespace collide on every VirtualService', () => {
    const d = build({ 'a.yaml': POLICY('  stepDuration: 1s\n', 'a'), 'b.yaml': POLICY('  stepDuration: 1s\n', 'b') });
    expect(d.ok).toBe(false);
    expect(d.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code)).toEqual([Codes.ROLLOUT_DUPLICATE_TARGET]);
  });
});

describe('connectionsFor: issue 10\'s fields per governed VirtualService', () => {
  test('connections and stickiness, defaults, and nothing for a policy without either', () => {
    const full = build({ 'rollout.yaml': FULL });
    const sticky = build({ 'rollout.yaml': POLICY('  stickiness: sourceIP\n') });
    const none = build({ 'rollout.yaml': POLICY('  steps: [50]\n') });
    if (!full.ok || !sticky.ok || !none.ok) throw new Error('not ok');
    expect(connectionsFor(full.table.rollouts, 'default/tcp-echo')).toEqual({
      rebalance: true, maxClosesPerSecond: 10, closeWhenIdleForMs: 1000, drainAfterMs: 300_000, stickiness: 'sourceIP',
    });
    expect(connectionsFor(sticky.table.rollouts, 'default/tcp-echo')).toEqual({
      rebalance: false, maxClosesPerSecond: 10, closeWhenIdleForMs: 1000, drainAfterMs: 300_000, stickiness: 'sourceIP',
    });
    expect(connectionsFor(none.table.rollouts, 'default/tcp-echo')).toBeUndefined();
    expect(connectionsFor(full.table.rollouts, 'default/other')).toBeUndefined();
  });
});

/** `tcpshift diff` shows a governed route's rollout plan under its weight line: pure, and through the CLI on a real repo. */
import { diff } from '../../src/diff/diff';
import { renderChanges } from '../../src/diff/render';
import { withPlans } from '../../src/diff/rollout-plan';
import { buildDesired } from '../../src/model/desired';
import { tcpshift } from '../helpers/cli';
import { gitRepo } from '../helpers/git';
import { manifestFiles } from '../helpers/manifests';
import { rolloutPolicy, weightedFiles } from '../helpers/rollout';

const PORTS = { gateway: 31400, v1: 9000, v2: 9001 };
const POLICY = rolloutPolicy(`  steps: [5, 20, 50]
  stepDuration: 1m
  analysis:
    maxConnectFailurePercent: 1
    maxFailedPercent: 5
    webhooks:
    - name: smoke
      url: http://127.0.0.1:8080/check
`);

function table(files: Record<string, string>) {
  const d = buildDesired(manifestFiles(files));
  if (!d.ok) throw new Error(JSON.stringify(d.diagnostics));
  return d.table;
}

test('the plan line of the issue: in 4 steps, each step\'s split, the step duration and the gates', () => {
  const before = table(weightedFiles(PORTS, 100, 0, { 'r.yaml': POLICY }));
  const after = table(weightedFiles(PORTS, 0, 100, { 'r.yaml': POLICY }));
  const changes = diff(before, after);
  expect(withPlans(renderChanges(changes), changes, after)).toEqual([
    '~ 0.0.0.0:31400 tcp-echo v1 100% → 0%  v2 0% → 100%',
    '    in 4 steps: 95/5, 80/20, 50/50, 0/100, 1m each, gated by connect failures ≤ 1%, failed ≤ 5%, smoke',
  ]);
});

test('no policy, or a policy without steps: no plan line', () => {
  const before = table(weightedFiles(PORTS, 100, 0));
  for (const extra of [{}, { 'r.yaml': rolloutPolicy('  stepDuration: 1m\n') }] as Record<string, string>[]) {
    const after = table(weightedFiles(PORTS, 0, 100, extra));
    const changes = diff(before, after);
    expect(withPlans(renderChanges(changes), changes, after)).toEqual(renderChanges(changes));
  }
});

test('tcpshift diff BASE HEAD on a real repo prints the plan', () => {
  const repo = gitRepo(weightedFiles(PORTS, 100, 0, { 'r.yaml': POLICY }));
  try {
    const base = repo.sha();
    repo.commit(weightedFiles(PORTS, 50, 50, { 'r.yaml': POLICY }));
    const r = tcpshift(['diff', base, 'main', '--repo', repo.dir]);
    expect(r.stdout).toContain('~ 0.0.0.0:31400 tcp-echo v1 100% → 50%  v2 0% → 50%\n    in 4 steps: 97.5/2.5, 90/10, 75/25, 50/50, 1m each, gated by connect failures ≤ 1%, failed ≤ 5%, smoke\n');
    expect(r.code).toBe(1);
  } finally {
    repo.cleanup();
  }
});

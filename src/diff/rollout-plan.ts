/**
 * The plan line `tcpshift diff` prints under a governed route's weight line: what merging will do,
 * e.g. `in 4 steps: 95/5, 80/20, 50/50, 0/100, 1m each, gated by connect failures ≤ 1%, failed ≤ 5%, smoke`. Pure.
 */
import { formatDuration } from '../duration';
import type { RoutingTable } from '../model/types';
import { planOf } from '../rollout/plan';
import { isStepped, type CompiledRolloutPolicy } from '../rollout/policy';
import { renderChange } from './render';
import type { Change, WeightsChanged } from './types';

/** The plan of one weights change under `policy`. */
export function planLine(c: WeightsChanged, policy: CompiledRolloutPolicy): string {
  const from = Object.fromEntries(c.destinations.map((d) => [d.key, d.oldPercent]));
  const to = Object.fromEntries(c.destinations.map((d) => [d.key, d.newPercent]));
  const plan = planOf(from, to, policy.steps).map((s) => c.destinations.map((d) => String(Object.hasOwn(s, d.key) ? s[d.key] : 0)).join('/'));
  return `in ${policy.steps.length} steps: ${plan.join(', ')}, ${formatDuration(policy.stepDurationMs)} each, ${gates(policy)}`;
}

function gates(p: CompiledRolloutPolicy): string {
  const a = p.analysis;
  const g = [
    ...(a.maxConnectFailurePercent !== null ? [`connect failures ≤ ${a.maxConnectFailurePercent}%`] : []),
    ...(a.maxFailedPercent !== null ? [`failed ≤ ${a.maxFailedPercent}%`] : []),
    ...a.webhooks.map((w) => w.name), ...a.prometheus.map((q) => q.name),
  ];
  return g.length === 0 ? 'not gated by any check' : `gated by ${g.join(', ')}`;
}

/** `lines` (renderChanges of `changes`) with each governed weight line followed by its plan, indented. */
export function withPlans(lines: readonly string[], changes: readonly Change[], desired: RoutingTable): string[] {
  const plans = new Map<string, string>();
  for (const c of changes) {
    if (c.type !== 'weights-changed') continue;
    const l = desired.listeners.find((x) => x.key === c.listener);
    const p = l && desired.rollouts?.find((r) => isStepped(r) && r.targets.includes(l.route.virtualService));
    if (p) plans.set(renderChange(c), planLine(c, p));
  }
  return lines.flatMap((line) => (plans.has(line) ? [line, `    ${plans.get(line)}`] : [line]));
}

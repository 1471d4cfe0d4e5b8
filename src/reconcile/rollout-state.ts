/**
 * A revision being rolled out: what it commits, the rollout of each governed VirtualService, and the
 * table served meanwhile. Planning a rollout from the table served now, and the status view. Pure.
 */
import { currentShares, isDone, nextStepAt, startRollout, stepLabel, type CheckResult, type Phase, type RolloutState } from '../rollout/machine';
import { gainingKeys, planOf, sameShares, servedTable, sharesLabel, sharesOf, type RolloutRoute, type Shares } from '../rollout/plan';
import { isStepped, type CompiledRolloutPolicy } from '../rollout/policy';
import type { RoutingTable } from '../model/types';
import { formatDuration } from '../duration';
import type { Applied } from './context';

/** The revision a rollout walks toward. */
export interface ActiveRollout {
  readonly revision: string;
  /** What becomes the applied revision when every target has succeeded. */
  readonly pending: Omit<Applied, 'at'>;
  /** Rendered changes against the applied revision (for history). */
  readonly changes: readonly string[];
  readonly trigger: string;
  readonly targets: readonly RolloutState[];
}

/** A target's entry of `/status.rollouts[]`. */
export interface RolloutStatus {
  readonly target: string;
  readonly revision: string;
  readonly phase: Phase;
  readonly step: number;
  readonly steps: number;
  readonly shares: Shares;
  readonly stepStartedAt: string;
  readonly nextStepAt: string | null;
  readonly checks: readonly Pick<CheckResult, 'name' | 'ok' | 'value' | 'at'>[];
  readonly message: string | null;
}

/** The stepped policy governing VirtualService `vs`, if any. */
function policyOf(table: RoutingTable, vs: string): CompiledRolloutPolicy | undefined {
  return table.rollouts?.find((p) => isStepped(p) && p.targets.includes(vs));
}

/**
 * The rollouts a new revision needs: one per governed VirtualService whose listeners' shares differ
 * from those `served` now (a listener `served` does not have starts at the committed shares).
 */
export function planRollouts(committed: RoutingTable, served: RoutingTable | null, revision: string, now: number): RolloutState[] {
  if (!served || !committed.rollouts) return [];
  const byTarget = new Map<string, RolloutRoute[]>();
  const servedBy = new Map(served.listeners.map((s) => [s.key, s]));
  for (const l of committed.listeners) {
    const p = policyOf(committed, l.route.virtualService);
    const before = servedBy.get(l.key);
    if (!p || !before) continue;
    const from = sharesOf(before.route);
    const to = sharesOf(l.route);
    if (sameShares(from, to)) continue;
    const routes = byTarget.get(l.route.virtualService) ?? [];
    routes.push({ listener: l.key, from, to });
    byTarget.set(l.route.virtualService, routes);
  }
  return [...byTarget].map(([target, routes]) => {
    const p = policyOf(committed, target)!;
    return startRollout({
      target, policy: p.name, revision, steps: p.steps, stepDurationMs: p.stepDurationMs,
      threshold: p.analysis.threshold, minConnections: p.analysis.minConnections, routes, now,
    });
  });
}

/** The table to serve for `targets` over the committed table. */
export function tableFor(committed: RoutingTable, targets: readonly RolloutState[]): RoutingTable {
  const shares = new Map<string, Shares>();
  for (const t of targets) for (const [k, v] of currentShares(t)) shares.set(k, v);
  return servedTable(committed, shares);
}

/** True while some target still walks (not every one finished). */
export function inProgress(r: ActiveRollout | null): boolean {
  return r !== null && r.targets.some((t) => !isDone(t)) && !r.targets.some((t) => t.phase === 'Aborted');
}

/** The status entries. */
export function rolloutStatuses(r: ActiveRollout | null): RolloutStatus[] {
  if (!r) return [];
  return r.targets.map((t) => {
    const next = nextStepAt(t);
    return {
      target: t.target, revision: t.revision, phase: t.phase, step: t.step, steps: t.steps.length,
      shares: currentShares(t).get(t.routes[0]?.listener ?? '') ?? {},
      stepStartedAt: new Date(t.stepStartedAt).toISOString(), nextStepAt: next === null ? null : new Date(next).toISOString(),
      checks: t.checks.map((c) => ({ name: c.name, ok: c.ok, value: c.value, at: c.at })), message: t.message,
    };
  });
}

/** `default/tcp-echo step 2/4 (20%) 80/20, checks: connect-failures 0% ok, smoke HTTP 200 ok`. */
export function rolloutLine(t: RolloutState): string {
  const r = t.routes[0];
  const keys = r ? Object.keys(r.to) : [];
  const shares = r ? sharesLabel(currentShares(t).get(r.listener) ?? {}, keys) : '';
  const checks = t.checks.length > 0 ? `, checks: ${t.checks.map((c) => `${c.name} ${c.value} ${c.ok ? 'ok' : 'FAILED'}`).join(', ')}` : '';
  return `${t.target} ${t.phase === 'Paused' ? 'paused at ' : ''}${stepLabel(t)} ${shares}${checks}`;
}

/** The history line of a finished rollout: `rollout default/tcp-echo: 95/5, 80/20, 50/50, 0/100 (4 steps, 1m each)`. */
export function historyLine(t: RolloutState): string {
  const r = t.routes[0];
  const keys = r ? Object.keys(r.to) : [];
  const plan = r ? planOf(r.from, r.to, t.steps.slice(0, t.step)).map((s) => sharesLabel(s, keys)).join(', ') : '';
  return `rollout ${t.target}: ${plan} (${t.step} of ${t.steps.length} steps, ${formatDuration(t.stepDurationMs)} each)`;
}

/** Destination keys whose share grows in any route of `t`. */
export function gainingOf(t: RolloutState): string[] {
  return [...new Set(t.routes.flatMap((r) => gainingKeys(r.from, r.to)))];
}

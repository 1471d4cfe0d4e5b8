/**
 * Walks an active rollout on a timer: every interval the checks run (the proxy's counters, webhooks,
 * Prometheus), every tick the steps move; each change serves a new table (build, freeze, swap) and
 * goes through the reconciler's one transition. Manual pause/resume/promote/abort land here too.
 */
import type { Logger } from 'pino';
import { connectionsSince, counterChecks, type DestinationTotals } from '../rollout/analysis';
import { currentShares, isDone, stepLabel, transition, type CheckResult, type RolloutEvent, type RolloutState } from '../rollout/machine';
import type { CompiledRolloutPolicy } from '../rollout/policy';
import type { ReconcileEvent } from './advance';
import type { ReconcilerContext, ReconcileState } from './context';
import { runPrometheus, runWebhook } from './rollout-checks';
import { gainingOf, inProgress, tableFor, type ActiveRollout } from './rollout-state';

/** What the driver needs from the reconciler. */
export interface DriverHost {
  readonly ctx: ReconcilerContext;
  readonly log: Logger;
  state(): ReconcileState;
  advance(e: ReconcileEvent): void;
  /** Runs `op` while no reconcile run is in flight, holding new runs until it ends. */
  exclusive<T>(op: () => Promise<T>): Promise<T>;
  /** Writes the applied state and the rollout (one atomic file). */
  persist(): Promise<void>;
}

/** A manual command, for every target (or the one named). */
export type RolloutCommand = 'pause' | 'resume' | 'promote' | 'abort';

const DEFAULT_TICK_MS = 1_000;

export class RolloutDriver {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  /** Per target: the last check round's time and counter reading, and the reading at the step's start. */
  private readonly lastCheck = new Map<string, { at: number; totals: Map<string, DestinationTotals> }>();
  private readonly stepBase = new Map<string, { step: number; totals: Map<string, DestinationTotals> }>();
  /** Check results ever, by target, check and result (for tcpshift_rollout_checks_total). */
  private readonly results = new Map<string, { target: string; check: string; result: 'pass' | 'fail'; count: number }>();

  constructor(private readonly host: DriverHost) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.host.exclusive(() => this.round()).catch((err: unknown) => this.host.log.error({ err }, 'rollout round failed; retried at the next tick'))
        .finally(() => this.schedule());
    }, this.host.ctx.options.rolloutTickMs ?? DEFAULT_TICK_MS);
    this.timer.unref?.();
  }

  /** One round: checks whose interval elapsed, then a tick of every target; effects once. */
  async round(): Promise<void> {
    const r = this.host.state().rollout;
    if (this.stopped || !r || !inProgress(r)) return;
    const now = this.host.ctx.now();
    const targets: RolloutState[] = [];
    for (const t of r.targets) {
      let next = t;
      const policy = policyOf(r, t);
      const last = this.lastCheck.get(key(r, t));
      if (policy && !isDone(t) && (!last || now - last.at >= policy.analysis.intervalMs)) {
        next = transition(next, await this.check(r, t, policy, now));
      }
      // Suspended (the incident freeze): checks go on, and may still abort, but no step moves.
      targets.push(this.host.state().suspended ? next : transition(next, { type: 'tick', now: this.host.ctx.now() }));
    }
    await this.settle(r, targets);
  }

  /** Applies a manual command to every target; resolves once its effect is served. */
  async command(cmd: RolloutCommand): Promise<boolean> {
    return this.host.exclusive(async () => {
      const r = this.host.state().rollout;
      if (!r || !inProgress(r)) return false;
      const event: RolloutEvent = { type: cmd, now: this.host.ctx.now() };
      this.host.log.info({ revision: r.revision, command: cmd }, 'rollout command');
      await this.settle(r, r.targets.map((t) => transition(t, event)));
      return true;
    });
  }

  /** One analysis round of target `t`: the counters' checks, then every webhook and query. */
  private async check(r: ActiveRollout, t: RolloutState, policy: CompiledRolloutPolicy, now: number): Promise<RolloutEvent> {
    const at = new Date(now).toISOString();
    const totals = this.totals(r, t);
    const k = key(r, t);
    const last = this.lastCheck.get(k);
    const base = this.stepBase.get(k);
    if (!base || base.step !== t.step) this.stepBase.set(k, { step: t.step, totals: last?.totals ?? new Map() });
    const results: CheckResult[] = last ? counterChecks(policy.analysis, [...totals.values()], last.totals, at) : [];
    this.lastCheck.set(k, { at: now, totals });
    const shares = currentShares(t).get(t.routes[0]?.listener ?? '') ?? {};
    const payload = { rollout: policy.name, revision: r.revision, step: t.step, shares };
    const clock = this.host.ctx.now;
    const remote = await Promise.all([
      ...policy.analysis.webhooks.map((w) => runWebhook(w, payload, clock)),
      ...policy.analysis.prometheus.map((p) => runPrometheus(p, clock)),
    ]);
    const all = [...results, ...remote];
    for (const c of all) {
      const result = c.ok ? 'pass' : 'fail';
      const id = JSON.stringify([t.target, c.name, result]);
      const row = this.results.get(id) ?? { target: t.target, check: c.name, result, count: 0 };
      row.count += 1;
      this.results.set(id, row);
      if (!c.ok) this.host.log.warn({ target: t.target, revision: r.revision, check: c.name, value: c.value, step: t.step, detail: c.message }, 'rollout check failed');
    }
    const stepBase = this.stepBase.get(k)?.totals ?? new Map<string, DestinationTotals>();
    return { type: 'checked', now, results: all, connections: connectionsSince([...totals.values()], stepBase) };
  }

  /** The gaining destinations' counters now, by destination key. */
  private totals(r: ActiveRollout, t: RolloutState): Map<string, DestinationTotals> {
    const snap = this.host.ctx.proxy.counters?.();
    const byCounter = new Map((snap?.destinations ?? []).map((d) => [d.key, d]));
    const out = new Map<string, DestinationTotals>();
    const gaining = new Set(gainingOf(t));
    for (const l of r.pending.table.listeners) {
      for (const d of l.route.destinations) {
        if (!gaining.has(d.key) || out.has(d.key)) continue;
        const c = byCounter.get(`${d.service}|${d.version}|${d.port}`);
        out.set(d.key, {
          key: d.key, version: d.version, opened: c?.opened ?? 0, closed: c?.closed ?? 0, connectFailures: c?.connectFailures ?? 0, failed: c?.failed ?? 0,
        });
      }
    }
    return out;
  }

  /** Serves what `targets` say and records it: an abort serves the applied table, success the committed one. */
  private async settle(r: ActiveRollout, targets: RolloutState[]): Promise<void> {
    const at = new Date(this.host.ctx.now()).toISOString();
    const aborted = targets.find((t) => t.phase === 'Aborted');
    if (aborted) {
      const all = targets.map((t) => (t.phase === 'Aborted' ? t : { ...t, phase: 'Aborted' as const, message: `aborted with ${aborted.target}` }));
      const next = { ...r, targets: all };
      const applied = this.host.state().applied;
      if (applied) await this.host.ctx.proxy.swap(applied.table);
      const message = aborted.message ?? `rollout aborted at ${stepLabel(aborted)}`;
      this.host.advance({ type: 'rollout-aborted', at, rollout: next, message });
      this.host.log.warn({ target: aborted.target, revision: r.revision, step: aborted.step, steps: aborted.steps.length, servingRevision: applied?.revision ?? null, message }, 'rollout aborted');
      this.forget(r);
      await this.host.persist();
      return;
    }
    const next = { ...r, targets };
    const moved = targets.filter((t, i) => t.step !== r.targets[i]?.step || t.phase !== r.targets[i]?.phase);
    for (const t of moved) {
      this.host.log.info({ target: t.target, revision: r.revision, phase: t.phase, step: t.step, steps: t.steps.length, shares: currentShares(t).get(t.routes[0]?.listener ?? '') }, 'rollout step');
    }
    if (targets.every((t) => t.phase === 'Succeeded')) {
      await this.host.ctx.proxy.swap(r.pending.table);
      this.host.advance({ type: 'rollout-succeeded', at, rollout: next });
      this.host.log.info({ revision: r.revision, targets: targets.map((t) => t.target) }, 'rollout succeeded');
      this.forget(r);
      await this.host.persist();
      return;
    }
    if (targets.some((t, i) => t.step !== r.targets[i]?.step)) await this.host.ctx.proxy.swap(tableFor(r.pending.table, targets));
    this.host.advance({ type: 'rollout', rollout: next });
    if (moved.length > 0) await this.host.persist();
  }

  /** Every check result counted so far. */
  checkTotals(): { target: string; check: string; result: 'pass' | 'fail'; count: number }[] {
    return [...this.results.values()].map((r) => ({ ...r }));
  }

  private forget(r: ActiveRollout): void {
    for (const t of r.targets) {
      this.lastCheck.delete(key(r, t));
      this.stepBase.delete(key(r, t));
    }
  }
}

function key(r: ActiveRollout, t: RolloutState): string {
  return `${r.revision}|${t.target}`;
}

function policyOf(r: ActiveRollout, t: RolloutState): CompiledRolloutPolicy | undefined {
  return r.pending.table.rollouts?.find((p) => p.name === t.policy);
}

/**
 * The rollout of one governed VirtualService as a state machine: `transition(state, event) → state`.
 * Time is an input (`now`, epoch ms), never read here. Pure.
 */
import { stepShares, type RolloutRoute, type Shares } from './plan';

export type Phase = 'Progressing' | 'Paused' | 'Succeeded' | 'Aborted';

/** The last result of one named check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** The measured value as a person reads it (`38%`, `HTTP 500`, `12.5`). */
  readonly value: string;
  /** ISO time of the measurement. */
  readonly at: string;
  /** On failure: what failed, e.g. `v2 connect failures 38% > 1%`. */
  readonly message?: string;
}

/** Everything a rollout needs to go on (also after a restart): what it started from, and where it is. */
export interface RolloutState extends Omit<RolloutStart, 'now'> {
  readonly phase: Phase;
  /** 1-based index into `steps`. */
  readonly step: number;
  readonly startedAt: number;
  readonly stepStartedAt: number;
  /** Failed checks during this rollout. */
  readonly failedChecks: number;
  /** Connections the gaining destinations saw during the current step. */
  readonly stepConnections: number;
  /** The last result of each check, in first-seen order. */
  readonly checks: readonly CheckResult[];
  /** Why it was aborted (names the check, the step and the value), else null. */
  readonly message: string | null;
}

/** What can happen to a rollout. */
export type RolloutEvent =
  | { readonly type: 'tick'; readonly now: number }
  /** One analysis round: its results and the gaining destinations' connections since the step began. */
  | { readonly type: 'checked'; readonly now: number; readonly results: readonly CheckResult[]; readonly connections: number }
  | { readonly type: 'pause' | 'resume' | 'promote' | 'abort'; readonly now: number };

/** What a new rollout is made of. */
export interface RolloutStart {
  /** `namespace/name` of the governed VirtualService. */
  readonly target: string;
  /** `namespace/name` of the RolloutPolicy. */
  readonly policy: string;
  readonly revision: string;
  /** Percent of the shift at each step; the last is 100. */
  readonly steps: readonly number[];
  readonly stepDurationMs: number;
  readonly threshold: number;
  readonly minConnections: number;
  readonly routes: readonly RolloutRoute[];
  readonly now: number;
}

/** A rollout at its first step. */
export function startRollout(s: RolloutStart): RolloutState {
  return {
    target: s.target, policy: s.policy, revision: s.revision, phase: s.steps.length > 1 ? 'Progressing' : 'Succeeded',
    step: 1, steps: [...s.steps], stepDurationMs: s.stepDurationMs, threshold: s.threshold, minConnections: s.minConnections,
    routes: s.routes, startedAt: s.now, stepStartedAt: s.now, failedChecks: 0, stepConnections: 0, checks: [], message: null,
  };
}

/** True once the rollout can change no more. */
export function isDone(s: RolloutState): boolean {
  return s.phase === 'Succeeded' || s.phase === 'Aborted';
}

/** The state after `event`; a finished rollout ignores every event. */
export function transition(s: RolloutState, e: RolloutEvent): RolloutState {
  if (isDone(s)) return s;
  switch (e.type) {
    case 'tick':
      return s.phase === 'Progressing' && stepPasses(s, e.now) ? nextStep(s, e.now) : s;
    case 'checked':
      return checked(s, e.now, e.results, e.connections);
    case 'pause':
      return s.phase === 'Progressing' ? { ...s, phase: 'Paused' } : s;
    case 'resume':
      return s.phase === 'Paused' ? { ...s, phase: 'Progressing' } : s;
    case 'promote':
      return { ...s, phase: 'Succeeded', step: s.steps.length, stepStartedAt: e.now, stepConnections: 0 };
    case 'abort':
      return { ...s, phase: 'Aborted', message: `aborted by hand at ${stepLabel(s)}` };
  }
}

/** The step held its duration, saw enough connections, and fewer than `threshold` checks failed. */
function stepPasses(s: RolloutState, now: number): boolean {
  return now >= s.stepStartedAt + s.stepDurationMs && s.stepConnections >= s.minConnections && s.failedChecks < s.threshold;
}

function nextStep(s: RolloutState, now: number): RolloutState {
  const step = s.step + 1;
  return { ...s, step, phase: step >= s.steps.length ? 'Succeeded' : 'Progressing', stepStartedAt: now, stepConnections: 0 };
}

function checked(s: RolloutState, now: number, results: readonly CheckResult[], connections: number): RolloutState {
  const checks = [...s.checks];
  for (const r of results) {
    const i = checks.findIndex((c) => c.name === r.name);
    if (i >= 0) checks[i] = r;
    else checks.push(r);
  }
  const failed = results.filter((r) => !r.ok);
  const failedChecks = s.failedChecks + failed.length;
  const next: RolloutState = { ...s, checks, failedChecks, stepConnections: Math.max(s.stepConnections, connections) };
  const first = failed[0];
  if (failedChecks >= s.threshold && first) {
    return { ...next, phase: 'Aborted', message: `${first.message ?? `${first.name} failed (${first.value})`} at ${stepLabel(s)}` };
  }
  return next;
}

/** `step 2/4 (20%)`. */
export function stepLabel(s: Pick<RolloutState, 'step' | 'steps'>): string {
  return `step ${s.step}/${s.steps.length} (${s.steps[s.step - 1] ?? 100}%)`;
}

/** Shares each governed listener serves now (the committed ones once Succeeded). */
export function currentShares(s: RolloutState): Map<string, Shares> {
  const pct = s.phase === 'Succeeded' ? 100 : s.steps[s.step - 1] ?? 100;
  return new Map(s.routes.map((r) => [r.listener, stepShares(r.from, r.to, pct)]));
}

/** When the current step may pass (epoch ms), or null when it does not run on time (paused, finished). */
export function nextStepAt(s: RolloutState): number | null {
  return s.phase === 'Progressing' ? s.stepStartedAt + s.stepDurationMs : null;
}

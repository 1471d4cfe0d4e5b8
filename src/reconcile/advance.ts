/**
 * The one transition of the reconcile bookkeeping: `advance(state, event) → state`. Pure. A run's end
 * changes attempted, applied, history, lastOutcome and the fetch counters in one step, so status
 * (statusOf) never mixes a finished part of a run with an unfinished one.
 */
import { renderChanges } from '../diff/render';
import { ApplyError, FetchError, Reasons, TcpshiftError, type NextAction, type Reason } from '../errors';
import type { Attempted, ReconcileState } from './context';
import { addHistory, type HistoryEntry } from './history';
import { historyLine, type ActiveRollout } from './rollout-state';
import type { Outcome } from './status';
import type { Run } from './steps';
import type { Suspension } from './suspension';

/** An error of a run, classified by what the loop does next. */
export interface RunError {
  readonly reason: Reason;
  readonly message: string;
  readonly next: NextAction;
}

/** Maps any error to a reason, a message and what happens next (an unexpected error at fetch or read is a FetchFailed, later an ApplyFailed). */
export function classify(err: unknown, step: string): RunError {
  if (err instanceof TcpshiftError) return { reason: err.reason, message: err.message, next: err.next };
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = step === 'fetch' || step === 'read' ? new FetchError(message) : new ApplyError(message);
  return { reason: wrapped.reason, message, next: wrapped.next };
}

/** What can happen to the bookkeeping. */
export type ReconcileEvent =
  /** The persisted revision is serving again (start-up restore); `at` is when it was applied. */
  | { readonly type: 'restored'; readonly at: string; readonly run: Run; readonly history: readonly HistoryEntry[] }
  | { readonly type: 'started'; readonly at: string }
  | { readonly type: 'step'; readonly step: string; readonly revision: string | null }
  | { readonly type: 'finished'; readonly at: string; readonly run: Run; readonly error: RunError | null }
  | { readonly type: 'suspended'; readonly suspension: Suspension }
  | { readonly type: 'resumed' }
  /** A rollout's steps or checks moved (the served table already swapped). */
  | { readonly type: 'rollout'; readonly rollout: ActiveRollout }
  /** A persisted rollout continues after a restart (its step's table is served again). */
  | { readonly type: 'rollout-restored'; readonly at: string; readonly rollout: ActiveRollout }
  /** Every target reached its last step: the rollout's revision is the applied one from `at`. */
  | { readonly type: 'rollout-succeeded'; readonly at: string; readonly rollout: ActiveRollout }
  /** A target aborted: the applied revision serves again; the rollout's revision is treated as rejected. */
  | { readonly type: 'rollout-aborted'; readonly at: string; readonly rollout: ActiveRollout; readonly message: string };

/** Nothing applied, nothing attempted, no run yet. */
export const INITIAL_STATE: ReconcileState = {
  applied: null, attempted: null, fetchError: null, fetchFailures: 0, lastOutcome: null, lastRunAt: null, lastChanges: [],
  suspended: null, pendingRevision: null, reconciling: null, history: [], rollout: null,
};

/** How a run ended: a classified error makes it `rejected` (validation) or `failed`; otherwise what the steps set, or `noop`. */
export function outcomeOf(run: Run, error: RunError | null): Outcome {
  if (error) return error.reason === Reasons.ValidationFailed ? 'rejected' : 'failed';
  return run.outcome ?? 'noop';
}

/** The state after `event`. */
export function advance(s: ReconcileState, event: ReconcileEvent): ReconcileState {
  switch (event.type) {
    case 'started':
      return { ...s, reconciling: { revision: null, step: 'fetch', since: event.at } };
    case 'step':
      return s.reconciling ? { ...s, reconciling: { ...s.reconciling, revision: event.revision, step: event.step } } : s;
    case 'suspended':
      return { ...s, suspended: event.suspension };
    case 'resumed':
      return { ...s, suspended: null };
    case 'restored':
      return restored(s, event.run, event.at, event.history);
    case 'finished':
      return finished(s, event.run, event.at, event.error);
    case 'rollout':
      return s.rollout?.revision === event.rollout.revision ? { ...s, rollout: event.rollout } : s;
    case 'rollout-restored':
      return {
        ...s, rollout: event.rollout,
        attempted: { revision: event.rollout.revision, at: event.at, outcome: 'applied', error: null, diagnostics: [] },
      };
    case 'rollout-succeeded':
      return rolloutSucceeded(s, event.rollout, event.at);
    case 'rollout-aborted':
      return s.rollout?.revision === event.rollout.revision ? {
        ...s, rollout: event.rollout,
        attempted: {
          revision: event.rollout.revision, at: event.at, outcome: 'rejected',
          error: { reason: Reasons.RolloutAborted, message: event.message }, diagnostics: s.attempted?.diagnostics ?? [],
        },
      } : s;
  }
}

function rolloutSucceeded(s: ReconcileState, r: ActiveRollout, at: string): ReconcileState {
  if (s.rollout?.revision !== r.revision) return s;
  const changes = [...r.changes, ...r.targets.map(historyLine)];
  const c = r.pending.commit;
  return {
    ...s, rollout: r, applied: { ...r.pending, at }, lastChanges: changes,
    attempted: { revision: r.revision, at, outcome: 'applied', error: null, diagnostics: s.attempted?.diagnostics ?? [] },
    history: addHistory(s.history, {
      revision: r.revision, appliedAt: at, author: c?.author ?? null, date: c?.date ?? null, subject: c?.subject ?? null, changes, trigger: r.trigger,
    }),
  };
}

function finished(s: ReconcileState, run: Run, at: string, error: RunError | null): ReconcileState {
  const outcome = outcomeOf(run, error);
  const ended: ReconcileState = { ...s, reconciling: null, lastOutcome: outcome, lastRunAt: at };
  if (error?.reason === Reasons.FetchFailed) return { ...ended, fetchFailures: s.fetchFailures + 1, fetchError: error.message };
  const next: ReconcileState = {
    ...ended, fetchFailures: 0, fetchError: null, pendingRevision: outcome === 'suspended' ? run.revision ?? null : null,
  };
  if (outcome === 'rolling' && run.rollout) {
    return {
      ...next, rollout: run.rollout,
      attempted: { revision: run.rollout.revision, at, outcome: 'applied', error: null, diagnostics: run.diagnostics ?? [] },
    };
  }
  if (!run.attempt || run.revision === undefined || (outcome !== 'applied' && outcome !== 'rejected' && outcome !== 'failed')) return next;
  const attempted: Attempted = {
    revision: run.revision, at, outcome, error: error ? { reason: error.reason, message: error.message } : null, diagnostics: run.diagnostics ?? [],
  };
  if (outcome !== 'applied' || !run.applied) return { ...next, attempted };
  const changes = renderChanges(run.changes ?? []);
  return {
    ...next, attempted, rollout: null, applied: { ...run.applied, at }, lastChanges: changes,
    history: addHistory(s.history, entryOf(run, at, changes)),
  };
}

function restored(s: ReconcileState, run: Run, at: string, history: readonly HistoryEntry[]): ReconcileState {
  if (!run.applied) return s;
  const rev = run.applied.revision;
  // A state file written before history was persisted: the restore itself is the one entry we know.
  const kept = history.length > 0 ? history : [entryOf(run, at, renderChanges(run.changes ?? []))];
  return {
    ...s,
    applied: { ...run.applied, at },
    attempted: { revision: rev, at, outcome: 'applied', error: null, diagnostics: run.diagnostics ?? [] },
    history: kept,
    lastChanges: kept[0]?.revision === rev ? kept[0].changes : [],
  };
}

function entryOf(run: Run, at: string, changes: readonly string[]): HistoryEntry {
  const c = run.applied?.commit ?? null;
  return {
    revision: run.applied?.revision ?? run.revision ?? '', appliedAt: at, author: c?.author ?? null, date: c?.date ?? null,
    subject: c?.subject ?? null, changes, trigger: run.trigger, ...(c?.signer ? { signer: c.signer } : {}),
  };
}

/** The reconciler's status object (after Flux's GitRepository/Kustomization status), kept in memory. */
import type { Diagnostic, Reason } from '../errors';
import { Reasons } from '../errors';
import type { ReconcileState, Reconciling } from './context';
import type { HistoryEntry } from './history';
import { inProgress, rolloutLine, rolloutStatuses, type RolloutStatus } from './rollout-state';

/** How one run ended (`suspended`: a new revision was fetched but not applied). */
export type Outcome = 'applied' | 'noop' | 'rejected' | 'failed' | 'suspended' | 'rolling';

/** What `/status` and `tcpshift status` show (listeners are added by the admin server from the proxy). */
export interface ReconcileStatus {
  /** True while the last attempt did not reject a commit and something is applied. */
  ready: boolean;
  /** `Progressing` while a run works on a new revision (see `reconciling`); otherwise how the last runs ended. */
  reason: Reason;
  message: string;
  source: string;
  lastAppliedRevision: string | null;
  lastAppliedAt: string | null;
  /** Who signed the applied commit, as git verified it; null without --verify-signatures. */
  lastAppliedSigner: string | null;
  /** The last revision a run attempted (built and tried to apply) and when that run ended; set when the run ends. */
  lastAttemptedRevision: string | null;
  lastAttemptedAt: string | null;
  /** How that attempt ended: `applied`, `rejected` or `failed`. */
  lastAttemptedOutcome: Outcome | null;
  /** Outcome and end time of the last run of this process, whatever it did (a poll that found nothing new: `noop`). */
  lastOutcome: Outcome | null;
  lastRunAt: string | null;
  /** The run in flight: the revision it works on (null while fetching), its step and its start; null between runs. */
  reconciling: Reconciling | null;
  /** Rendered changes of the last apply. */
  lastChanges: string[];
  /** Errors and warnings of the last attempted revision, formatted `file:line:col: code: message`. */
  diagnostics: Diagnostic[];
  /** Consecutive fetch failures (0 when the last fetch worked). */
  fetchFailures: number;
  /** True while suspended (POST /suspend): fetching goes on, nothing is applied. */
  suspended: boolean;
  suspendedAt: string | null;
  suspendedReason: string | null;
  /** While suspended: the revision a resume would apply (null when it is the applied one). */
  pendingRevision: string | null;
  /** The commit `--revision` pins, as given; null when following the branch. */
  pinned: string | null;
  /** The last applied revisions, newest first. */
  history: HistoryEntry[];
  /** The progressive rollout of the last revision that needed one, per governed VirtualService (kept after it ends). */
  rollouts: RolloutStatus[];
}

/** A fresh status: nothing applied yet. */
export function initialStatus(source: string): ReconcileStatus {
  return {
    ready: false,
    reason: Reasons.Progressing,
    message: 'waiting for the first revision',
    source,
    lastAppliedRevision: null,
    lastAppliedAt: null,
    lastAppliedSigner: null,
    lastAttemptedRevision: null,
    lastAttemptedAt: null,
    lastAttemptedOutcome: null,
    lastOutcome: null,
    lastRunAt: null,
    reconciling: null,
    lastChanges: [],
    diagnostics: [],
    fetchFailures: 0,
    suspended: false,
    suspendedAt: null,
    suspendedReason: null,
    pendingRevision: null,
    pinned: null,
    history: [],
    rollouts: [],
  };
}

/**
 * Derives the status object from the reconciler's bookkeeping (pure): Ready, reason and message follow Flux's
 * rules; precedence Suspended, Progressing, FetchFailed, the last attempt's error, ReconciliationSucceeded.
 */
export function statusOf(s: ReconcileState, source: string, pinned: string | null): ReconcileStatus {
  const st = initialStatus(source);
  st.lastAppliedRevision = s.applied?.revision ?? null;
  st.lastAppliedAt = s.applied?.at ?? null;
  st.lastAppliedSigner = s.applied?.commit?.signer ?? null;
  st.lastAttemptedRevision = s.attempted?.revision ?? st.lastAppliedRevision;
  st.lastAttemptedAt = s.attempted?.at ?? st.lastAppliedAt;
  st.lastAttemptedOutcome = s.attempted?.outcome ?? null;
  st.lastOutcome = s.lastOutcome;
  st.lastRunAt = s.lastRunAt;
  st.reconciling = s.reconciling;
  st.lastChanges = [...s.lastChanges];
  st.diagnostics = [...(s.attempted?.diagnostics ?? [])];
  st.fetchFailures = s.fetchFailures;
  const attemptError = s.attempted?.error ?? null;
  st.ready = s.applied !== null && attemptError === null;
  const serving = s.applied ? `serving revision ${s.applied.revision}${pinned ? ' (pinned by --revision)' : ''}` : 'nothing applied yet';
  st.rollouts = rolloutStatuses(s.rollout);
  if (s.reconciling?.revision) {
    st.reason = Reasons.Progressing;
    st.message = `reconciling revision ${s.reconciling.revision} (step ${s.reconciling.step}) since ${s.reconciling.since}; ${serving}`;
  } else if (s.rollout && inProgress(s.rollout)) {
    st.reason = Reasons.RolloutProgressing;
    st.message = `rolling out revision ${s.rollout.revision}: ${s.rollout.targets.map(rolloutLine).join('; ')}; ${serving}`;
  } else if (s.fetchError) {
    st.reason = Reasons.FetchFailed;
    st.message = s.fetchError;
  } else if (attemptError) {
    st.reason = attemptError.reason;
    st.message = attemptError.message;
  } else if (s.applied) {
    st.reason = Reasons.Applied;
    st.message = serving;
  }
  st.pinned = pinned;
  st.history = [...s.history];
  if (s.suspended) {
    st.suspended = true;
    st.suspendedAt = s.suspended.at;
    st.suspendedReason = s.suspended.reason;
    st.pendingRevision = s.pendingRevision;
    st.reason = Reasons.Suspended;
    const next = s.pendingRevision ? `would apply ${s.pendingRevision}` : 'nothing new to apply';
    st.message = `suspended since ${s.suspended.at} (${s.suspended.reason}); ${next}${s.fetchError ? `; fetch failing: ${s.fetchError}` : ''}`;
  }
  return st;
}

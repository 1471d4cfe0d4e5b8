/** The reconciler's status object (after Flux's GitRepository/Kustomization status), kept in memory. */
import type { Diagnostic, Reason } from '../errors';
import { Reasons } from '../errors';
import type { ReconcileState } from './context';
import type { HistoryEntry } from './history';

/** How one run ended (`suspended`: a new revision was fetched but not applied). */
export type Outcome = 'applied' | 'noop' | 'rejected' | 'failed' | 'suspended';

/** What `/status` and `tcpshift status` show (listeners are added by the admin server from the proxy). */
export interface ReconcileStatus {
  /** True while the last attempt did not reject a commit and something is applied. */
  ready: boolean;
  reason: Reason;
  message: string;
  source: string;
  lastAppliedRevision: string | null;
  lastAppliedAt: string | null;
  lastAttemptedRevision: string | null;
  lastAttemptedAt: string | null;
  lastOutcome: Outcome | null;
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
    lastAttemptedRevision: null,
    lastAttemptedAt: null,
    lastOutcome: null,
    lastChanges: [],
    diagnostics: [],
    fetchFailures: 0,
    suspended: false,
    suspendedAt: null,
    suspendedReason: null,
    pendingRevision: null,
    pinned: null,
    history: [],
  };
}

/** Derives the status object from the reconciler's bookkeeping (pure): Ready, reason and message follow Flux's rules. */
export function statusOf(s: ReconcileState, source: string, pinned: string | null, history: HistoryEntry[]): ReconcileStatus {
  const st = initialStatus(source);
  st.lastAppliedRevision = s.applied?.revision ?? null;
  st.lastAppliedAt = s.applied?.at ?? null;
  st.lastAttemptedRevision = s.attempted?.revision ?? st.lastAppliedRevision;
  st.lastAttemptedAt = s.attempted?.at ?? st.lastAppliedAt;
  st.lastOutcome = s.lastOutcome;
  st.lastChanges = s.lastChanges;
  st.diagnostics = s.attempted?.diagnostics ?? [];
  st.fetchFailures = s.fetchFailures;
  const attemptError = s.attempted?.error ?? null;
  st.ready = s.applied !== null && attemptError === null;
  if (s.fetchError) {
    st.reason = Reasons.FetchFailed;
    st.message = s.fetchError;
  } else if (attemptError) {
    st.reason = attemptError.reason;
    st.message = attemptError.message;
  } else if (s.applied) {
    st.reason = Reasons.Applied;
    st.message = `serving revision ${s.applied.revision}${pinned ? ' (pinned by --revision)' : ''}`;
  }
  st.pinned = pinned;
  st.history = history;
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

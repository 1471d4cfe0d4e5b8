/** statusOf, table-driven: Ready, reason and message from the reconciler's bookkeeping (pure; killed mutants of `npm run mutate`). */
import { Reasons } from '../../src/errors';
import type { Applied, Attempted, ReconcileState } from '../../src/reconcile/context';
import { INITIAL_STATE } from '../../src/reconcile/advance';
import type { HistoryEntry } from '../../src/reconcile/history';
import { initialStatus, statusOf } from '../../src/reconcile/status';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const applied = { revision: A, at: '2026-01-01T00:00:00.000Z', table: null, resources: [], files: [], commit: null } as unknown as Applied;
const attempted = (over: Partial<Attempted> = {}): Attempted => ({ revision: B, at: '2026-01-02T00:00:00.000Z', outcome: 'applied', error: null, diagnostics: [], ...over });
const state = (over: Partial<ReconcileState> = {}): ReconcileState => ({ ...INITIAL_STATE, ...over });

test('initialStatus: nothing applied, Progressing, waiting', () => {
  expect(initialStatus('git x')).toMatchObject({
    ready: false, reason: Reasons.Progressing, message: 'waiting for the first revision', source: 'git x',
    lastAppliedRevision: null, lastAppliedAt: null, lastAttemptedRevision: null, lastAttemptedAt: null, lastOutcome: null,
    lastChanges: [], diagnostics: [], fetchFailures: 0, suspended: false, suspendedAt: null, suspendedReason: null,
    pendingRevision: null, pinned: null, history: [], reconciling: null, lastRunAt: null, lastAttemptedOutcome: null,
  });
});

test.each([
  // name, state, pinned → ready, reason, message
  ['nothing yet', state(), null, false, Reasons.Progressing, 'waiting for the first revision'],
  ['applied', state({ applied }), null, true, Reasons.Applied, `serving revision ${A}`],
  ['applied and pinned', state({ applied }), 'abc1234', true, Reasons.Applied, `serving revision ${A} (pinned by --revision)`],
  ['fetch failing over an applied revision', state({ applied, fetchError: 'fetch of x failed', fetchFailures: 2 }), null, true, Reasons.FetchFailed, 'fetch of x failed'],
  ['fetch failing before anything applied', state({ fetchError: 'no repo' }), null, false, Reasons.FetchFailed, 'no repo'],
  ['a rejected attempt', state({ applied, attempted: attempted({ error: { reason: Reasons.ValidationFailed, message: 'bad' } }) }), null, false, Reasons.ValidationFailed, 'bad'],
  ['a rejected attempt, nothing applied', state({ attempted: attempted({ error: { reason: Reasons.ValidationFailed, message: 'bad' } }) }), null, false, Reasons.ValidationFailed, 'bad'],
  ['fetch error wins over an attempt error', state({ applied, fetchError: 'down', attempted: attempted({ error: { reason: Reasons.ValidationFailed, message: 'bad' } }) }), null, false, Reasons.FetchFailed, 'down'],
  ['an attempt that worked', state({ applied, attempted: attempted() }), null, true, Reasons.Applied, `serving revision ${A}`],
] as const)('%s', (_name, s, pinned, ready, reason, message) => {
  expect(statusOf(s, 'src', pinned)).toMatchObject({ ready, reason, message, pinned, source: 'src', suspended: false });
});

test('revisions and times: attempted falls back to applied; outcome, changes, diagnostics, failures and history are passed on', () => {
  const history = [{ revision: A }] as unknown as HistoryEntry[];
  const diagnostics = [{ code: 'X' }] as unknown as Attempted['diagnostics'];
  const only = statusOf(state({ applied, lastOutcome: 'applied', lastChanges: ['+ x'], fetchFailures: 3, history }), 's', null);
  expect(only).toMatchObject({
    lastAppliedRevision: A, lastAppliedAt: applied.at, lastAttemptedRevision: A, lastAttemptedAt: applied.at,
    lastOutcome: 'applied', lastChanges: ['+ x'], fetchFailures: 3, diagnostics: [],
  });
  expect(only.history).toEqual(history);
  const both = statusOf(state({ applied, attempted: attempted({ diagnostics }) }), 's', null);
  expect(both).toMatchObject({ lastAppliedRevision: A, lastAttemptedRevision: B, lastAttemptedAt: '2026-01-02T00:00:00.000Z', diagnostics });
  expect(statusOf(state(), 's', null)).toMatchObject({ lastAppliedRevision: null, lastAppliedAt: null, lastAttemptedRevision: null, lastAttemptedAt: null });
});

test.each([
  ['nothing pending', null, null, 'suspended since T (incident 7); nothing new to apply'],
  ['a pending revision', B, null, `suspended since T (incident 7); would apply ${B}`],
  ['fetch failing while suspended', null, 'down', 'suspended since T (incident 7); nothing new to apply; fetch failing: down'],
])('suspended, %s', (_name, pendingRevision, fetchError, message) => {
  const s = statusOf(state({ applied, suspended: { at: 'T', reason: 'incident 7' }, pendingRevision, fetchError }), 's', null);
  expect(s).toMatchObject({ suspended: true, suspendedAt: 'T', suspendedReason: 'incident 7', pendingRevision, reason: Reasons.Suspended, message, ready: true });
});

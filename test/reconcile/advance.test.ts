/** The reconcile bookkeeping's one transition, table-tested: what each event changes, and that it changes them together. */
import { diff } from '../../src/diff/diff';
import { renderChanges } from '../../src/diff/render';
import { Reasons } from '../../src/errors';
import { deepFreeze } from '../../src/model/freeze';
import { advance, classify, INITIAL_STATE, outcomeOf, type ReconcileEvent, type RunError } from '../../src/reconcile/advance';
import type { ReconcileState } from '../../src/reconcile/context';
import { HISTORY_LIMIT } from '../../src/reconcile/history';
import { statusOf } from '../../src/reconcile/status';
import type { Run } from '../../src/reconcile/steps';
import { tableOf } from '../helpers/table';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:10.000Z';
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const table = tableOf({ listeners: [{ port: 7000, destinations: [{ endpoints: [{ port: 9001 }] }] }] });
const commit = { author: 'A', date: T0, subject: 'Shift' };
const applied = (revision: string) => ({ revision, table, resources: [], files: [], commit });

/** A run that got as far as `step` on `revision`, ending with `outcome` (steps set it; errors are separate). */
function run(over: Partial<Run> = {}): Run {
  return { trigger: 'poll', force: false, startedAt: 0, step: 'fetch', revision: NEW, ...over };
}
const appliedRun = run({ step: 'apply', attempt: true, diagnostics: [], changes: diff(null, table), applied: applied(NEW), outcome: 'applied' });
const fetchFailed: RunError = { reason: Reasons.FetchFailed, message: 'git unreachable', next: 'retry' };
const rejected: RunError = { reason: Reasons.ValidationFailed, message: 'x.yaml:1:1: UNKNOWN_SUBSET: …', next: 'wait-for-commit' };
const applyFailed: RunError = { reason: Reasons.ApplyFailed, message: 'EADDRINUSE', next: 'wait-for-commit' };

/** OLD applied at T0 (so attempted too), nothing in flight. */
const serving: ReconcileState = deepFreeze(advance(INITIAL_STATE, { type: 'finished', at: T0, run: { ...appliedRun, revision: OLD, applied: applied(OLD) }, error: null }));
const finish = (r: Run, error: RunError | null = null, s = serving) => advance(s, { type: 'finished', at: T1, run: r, error });

test('the start state is the initial status', () => {
  expect(statusOf(INITIAL_STATE, 'src', null)).toMatchObject({ ready: false, reason: 'Progressing', reconciling: null, history: [] });
});

test.each<[string, ReconcileEvent, Partial<ReconcileState>]>([
  ['started: in flight, fetching', { type: 'started', at: T1 }, { reconciling: { revision: null, step: 'fetch', since: T1 } }],
  ['suspended', { type: 'suspended', suspension: { at: T1, reason: 'i' } }, { suspended: { at: T1, reason: 'i' } }],
  ['resumed', { type: 'resumed' }, { suspended: null }],
])('%s', (_name, event, changed) => {
  expect(advance(serving, event)).toEqual({ ...serving, ...changed });
});

test('a step event moves the run on and keeps its start; without a run in flight it changes nothing', () => {
  const started = advance(serving, { type: 'started', at: T1 });
  expect(advance(started, { type: 'step', step: 'build', revision: NEW }).reconciling).toEqual({ revision: NEW, step: 'build', since: T1 });
  expect(advance(serving, { type: 'step', step: 'build', revision: NEW })).toBe(serving);
});

test.each<[string, Run, RunError | null, Partial<ReconcileState>]>([
  ['noop: only the last run changes', run({ revision: OLD, outcome: 'noop' }), null, { lastOutcome: 'noop' }],
  ['applied: attempted, applied, history and changes together, at the run\'s end', appliedRun, null, {
    lastOutcome: 'applied',
    attempted: { revision: NEW, at: T1, outcome: 'applied', error: null, diagnostics: [] },
    applied: { ...applied(NEW), at: T1 },
    lastChanges: renderChanges(diff(null, table)),
    history: [{ revision: NEW, appliedAt: T1, author: 'A', date: T0, subject: 'Shift', changes: renderChanges(diff(null, table)), trigger: 'poll' }, ...serving.history],
  }],
  ['rejected: the attempt and its error; applied and history stay', run({ step: 'build', attempt: true, diagnostics: [] }), rejected, {
    lastOutcome: 'rejected', attempted: { revision: NEW, at: T1, outcome: 'rejected', error: { reason: rejected.reason, message: rejected.message }, diagnostics: [] },
  }],
  ['failed apply: the attempt, ApplyFailed', run({ step: 'apply', attempt: true, diagnostics: [] }), applyFailed, {
    lastOutcome: 'failed', attempted: { revision: NEW, at: T1, outcome: 'failed', error: { reason: applyFailed.reason, message: applyFailed.message }, diagnostics: [] },
  }],
  ['fetch failed: counted; nothing else', run({ revision: undefined }), fetchFailed, { lastOutcome: 'failed', fetchFailures: 1, fetchError: 'git unreachable' }],
  ['suspended at fetch: the pending revision', run({ outcome: 'suspended' }), null, { lastOutcome: 'suspended', pendingRevision: NEW }],
  ['suspended before apply (built): still not an attempt', run({ step: 'admit', attempt: true, diagnostics: [], outcome: 'suspended' }), null, { lastOutcome: 'suspended', pendingRevision: NEW }],
  ['a forced run reporting a rejected head: the attempt stays as it was', run({ outcome: 'rejected' }), null, { lastOutcome: 'rejected' }],
])('finished, %s', (_name, r, error, changed) => {
  expect(finish(r, error)).toEqual({ ...serving, lastRunAt: T1, reconciling: null, ...changed });
});

test('a run\'s end clears the run in flight, the fetch failures and the pending revision', () => {
  let s = advance(serving, { type: 'finished', at: T1, run: run(), error: fetchFailed });
  s = advance(s, { type: 'finished', at: T1, run: run({ outcome: 'suspended' }), error: null });
  s = advance(s, { type: 'started', at: T1 });
  expect(finish(run({ revision: OLD, outcome: 'noop' }), null, s)).toMatchObject({ fetchFailures: 0, fetchError: null, pendingRevision: null, reconciling: null });
});

test('restored: applied and attempted at the persisted time, the persisted history; nothing about a run of this process', () => {
  const restoreRun = run({ trigger: 'restore', step: 'apply', attempt: true, diagnostics: [], changes: diff(null, table), applied: applied(NEW), outcome: 'applied' });
  const history = [{ revision: NEW, appliedAt: T0, author: 'A', date: T0, subject: 'Shift', changes: ['~ x'], trigger: 'watch' }];
  const s = advance(INITIAL_STATE, { type: 'restored', at: T0, run: restoreRun, history });
  expect(s).toEqual({
    ...INITIAL_STATE, applied: { ...applied(NEW), at: T0 }, attempted: { revision: NEW, at: T0, outcome: 'applied', error: null, diagnostics: [] },
    history, lastChanges: ['~ x'],
  });
  // A state file from before history was persisted: the restore is the one entry.
  expect(advance(INITIAL_STATE, { type: 'restored', at: T0, run: restoreRun, history: [] }).history).toEqual([
    expect.objectContaining({ revision: NEW, appliedAt: T0, trigger: 'restore', changes: renderChanges(diff(null, table)) }),
  ]);
});

test(`history keeps the newest ${HISTORY_LIMIT}`, () => {
  let s = serving;
  for (let i = 0; i < HISTORY_LIMIT + 5; i++) s = finish({ ...appliedRun, revision: `r${i}`, applied: applied(`r${i}`) }, null, s);
  expect(s.history.map((e) => e.revision)).toEqual(Array.from({ length: HISTORY_LIMIT }, (_, i) => `r${HISTORY_LIMIT + 4 - i}`));
});

test('outcomeOf: validation errors reject, other errors fail, otherwise what the steps said or noop', () => {
  expect([outcomeOf(run(), rejected), outcomeOf(run(), applyFailed), outcomeOf(run({ outcome: 'suspended' }), null), outcomeOf(run(), null)])
    .toEqual(['rejected', 'failed', 'suspended', 'noop']);
});

test('classify: an unexpected error at fetch or read is FetchFailed (retry), later ApplyFailed', () => {
  expect(['fetch', 'read', 'build', 'apply'].map((step) => classify(new Error('boom'), step))).toEqual([
    { reason: 'FetchFailed', message: 'boom', next: 'retry' }, { reason: 'FetchFailed', message: 'boom', next: 'retry' },
    { reason: 'ApplyFailed', message: 'boom', next: 'wait-for-commit' }, { reason: 'ApplyFailed', message: 'boom', next: 'wait-for-commit' },
  ]);
});

describe('statusOf while a run is in flight', () => {
  const inFlight = advance(advance(serving, { type: 'started', at: T1 }), { type: 'step', step: 'build', revision: NEW });
  test('Progressing once the run has a new revision; the settled fields stay until it ends', () => {
    expect(statusOf(inFlight, 'src', null)).toMatchObject({
      ready: true, reason: 'Progressing', reconciling: { revision: NEW, step: 'build', since: T1 },
      lastAttemptedRevision: OLD, lastAppliedRevision: OLD, lastOutcome: 'applied', lastAttemptedOutcome: 'applied',
    });
  });
  test('still fetching: the settled reason', () => {
    expect(statusOf(advance(serving, { type: 'started', at: T1 }), 'src', null)).toMatchObject({ reason: 'ReconciliationSucceeded', reconciling: { revision: null } });
  });
  test('Suspended wins', () => {
    expect(statusOf(advance(inFlight, { type: 'suspended', suspension: { at: T1, reason: 'i' } }), 'src', null).reason).toBe('Suspended');
  });
});

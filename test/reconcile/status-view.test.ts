/** `tcpshift status` pairs each time with its own run: the attempt with its outcome, the last poll apart, the run in flight. */
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';
import { initialStatus } from '../../src/reconcile/status';

const REV = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const doc = (over: Partial<StatusDocument>): StatusDocument => ({ ...initialStatus('git repo'), activeConnections: 0, rejectedConnections: 0, acceptErrors: [], localConnectErrors: [], listeners: [], ...over });

test('Attempted shows the attempt\'s own outcome; the last poll is its own line', () => {
  const lines = renderStatus(doc({
    lastAppliedRevision: REV, lastAttemptedRevision: REV, lastAttemptedAt: 'T0', lastAttemptedOutcome: 'applied', lastOutcome: 'noop', lastRunAt: 'T9',
  }));
  expect(lines).toContain(`Attempted:  ${REV.slice(0, 12)}  at T0  (applied)`);
  expect(lines).toContain('Last run:   T9  (noop)');
});

test('right after a restart: no run of this process yet', () => {
  const lines = renderStatus(doc({ lastAttemptedRevision: REV, lastAttemptedAt: 'T0', lastAttemptedOutcome: 'applied', lastOutcome: null, lastRunAt: null }));
  expect(lines).toContain('Last run:   none since tcpshift started');
});

test('a run in flight', () => {
  const lines = renderStatus(doc({ reason: 'Progressing', reconciling: { revision: NEW, step: 'build', since: 'T5' } }));
  expect(lines).toContain(`Reconciling: ${NEW.slice(0, 12)}  step build  since T5`);
});

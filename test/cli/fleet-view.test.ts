/** The fleet view's rows and summary from several /status documents. Pure, table-tested. */
import { alignRows, fleetRows, fleetView, type FleetMember, type FleetStatus } from '../../src/cli/fleet-view';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const st = (instance: string, rev: string | null, at: string, extra: Partial<FleetStatus> = {}): FleetStatus => ({
  instance, ready: rev !== null, reason: rev ? 'ReconciliationSucceeded' : 'Progressing', lastAppliedRevision: rev, lastAppliedAt: rev ? at : null, ...extra,
});
const up = (admin: string, s: FleetStatus): FleetMember => ({ admin, status: s });

describe('fleetView', () => {
  test.each<[string, FleetMember[], { agree: boolean; summary: string; disagreeSince: number | null }]>([
    ['all agree', [up('x:1', st('n1', A, '2026-01-01T00:00:00Z')), up('x:2', st('n2', A, '2026-01-01T00:00:01Z'))], { agree: true, summary: '2/2 serving aaaaaaa', disagreeSince: null }],
    ['one behind: the majority first; since the latest apply', [up('x:1', st('n1', B, '2026-01-01T00:00:05Z')), up('x:2', st('n2', A, '2026-01-01T00:00:00Z')), up('x:3', st('n3', B, '2026-01-01T00:00:04Z'))],
      { agree: false, summary: '2/3 serving bbbbbbb; 1 serving aaaaaaa', disagreeSince: Date.parse('2026-01-01T00:00:05Z') }],
    ['one unreachable', [up('x:1', st('n1', A, '2026-01-01T00:00:00Z')), { admin: 'x:2', error: 'ECONNREFUSED' }], { agree: false, summary: '1/2 serving aaaaaaa; 1 unreachable', disagreeSince: Date.parse('2026-01-01T00:00:00Z') }],
    ['nothing applied anywhere', [up('x:1', st('n1', null, '')), up('x:2', st('n2', null, ''))], { agree: false, summary: '2/2 serving -; 2 not Ready', disagreeSince: null }],
    ['same revision, one not Ready (a rejected commit): they agree on what they serve', [up('x:1', st('n1', A, '2026-01-01T00:00:00Z', { ready: false, reason: 'ValidationFailed' })), up('x:2', st('n2', A, '2026-01-01T00:00:00Z'))],
      { agree: true, summary: '2/2 serving aaaaaaa; 1 not Ready', disagreeSince: null }],
  ])('%s', (_name, members, expected) => {
    expect(fleetView(members)).toMatchObject(expected);
  });

  test('rows: instance, admin, serving revision, Ready, reason, the rollout step in progress', () => {
    const rolling = st('n1', A, '2026-01-01T00:00:00Z', { rollouts: [{ target: 'default/tcp-echo', phase: 'Progressing', step: 2, steps: 4 }, { target: 'default/old', phase: 'Succeeded', step: 4, steps: 4 }] });
    const lines = alignRows(fleetRows([up('127.0.0.2:9', rolling), { admin: '127.0.0.3:9', error: 'connection refused' }]));
    expect(lines[0]).toMatch(/^INSTANCE\s+ADMIN\s+SERVING\s+READY\s+REASON\s+ROLLOUT$/);
    expect(lines[1]).toMatch(/^n1\s+127\.0\.0\.2:9\s+aaaaaaa\s+True\s+ReconciliationSucceeded\s+default\/tcp-echo Progressing 2\/4$/);
    expect(lines[2]).toMatch(/^\?\s+127\.0\.0\.3:9\s+-\s+Unknown\s+Unreachable\s+connection refused$/);
  });
});

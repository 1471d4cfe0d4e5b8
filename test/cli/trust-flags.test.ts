/** The CLI side of signed commits and fleets: flag mistakes stop `run` with one line; status names instance and signer. */
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';
import { tcpshift } from '../helpers/cli';
import { tempDir } from '../helpers/git';

describe('tcpshift run: signature flags', () => {
  const state = tempDir();
  afterAll(() => state.cleanup());
  test.each([
    [['--verify-signatures', 'ssh'], /--verify-signatures ssh needs --allowed-signers/],
    [['--verify-signatures', 'openpgp', '--allowed-signers', '/etc/hostname'], /--verify-signatures openpgp needs --trusted-keys/],
    [['--verify-signatures', 'ssh', '--allowed-signers', '/nonexistent/allowed'], /--allowed-signers \/nonexistent\/allowed does not exist/],
    [['--allowed-signers', '/etc/hostname'], /need --verify-signatures ssh\|openpgp/],
    [['--verify-signatures', 'x509'], /argument 'x509' is invalid/],
  ])('%j → refused with one line', (flags, message) => {
    const r = tcpshift(['run', '--repo', state.dir, '--state-dir', state.dir, ...flags]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

test('status: Instance and Signed by lines when the instance is named and the commit verified', () => {
  const doc = {
    instance: 'edge-1', source: 'git /r branch main', ready: true, reason: 'ReconciliationSucceeded', message: 'serving', lastAppliedRevision: 'a'.repeat(40),
    lastAppliedAt: '2026-01-01T00:00:00Z', lastAppliedSigner: 'ssh alice@example.com SHA256:abc', lastAttemptedRevision: null, lastAttemptedAt: null,
    lastOutcome: null, diagnostics: [], lastChanges: [], activeConnections: 0, listeners: [],
  } as unknown as StatusDocument;
  const lines = renderStatus(doc);
  expect(lines[0]).toBe('Instance:   edge-1');
  expect(lines).toContain('Signed by:  ssh alice@example.com SHA256:abc');
});

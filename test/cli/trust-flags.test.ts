/** The CLI side of signed commits and fleets: flag mistakes stop `run` with one line; status names instance and signer. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderStatus, type StatusDocument } from '../../src/cli/status-view';
import { tcpshift } from '../helpers/cli';
import { gitRepo, tempDir } from '../helpers/git';
import { Harness } from '../helpers/harness';
import { freePort } from '../helpers/net';
import { routeFiles } from '../helpers/routes';
import { startRun } from '../helpers/run-process';

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

describe('tcpshift run --verify-signatures ssh (a real process)', () => {
  const h = new Harness();
  afterAll(() => h.cleanup());

  test('an unsigned head is rejected with COMMIT_UNSIGNED in the log and /status; the signed one before it keeps serving', async () => {
    const keys = tempDir();
    h.defer(async () => keys.cleanup());
    const key = join(keys.dir, 'alice');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', key]);
    const allowed = join(keys.dir, 'allowed_signers');
    writeFileSync(allowed, `alice@example.com ${readFileSync(`${key}.pub`, 'utf8')}`);
    const gateway = await freePort();
    const backend = await h.echo('one');
    const files = (w: number) => routeFiles({ gateway, v1: [backend], v2: [backend], weights: [100 - w, w] });
    const repo = gitRepo({ 'README.md': 'x\n' });
    h.defer(async () => repo.cleanup());
    for (const [k, v] of [['gpg.format', 'ssh'], ['user.signingkey', key], ['commit.gpgsign', 'true']] as const) repo.git('config', k, v);
    const signed = repo.commit(files(0), 'signed');
    const state = tempDir();
    h.defer(async () => state.cleanup());
    const admin = await freePort();
    const p = startRun(h, ['--repo', repo.dir, '--state-dir', state.dir, '--admin', `127.0.0.1:${admin}`, '--instance', 'edge-7', '--interval', '1s',
      '--listen-host', '127.0.0.1', '--verify-signatures', 'ssh', '--allowed-signers', allowed]);
    await p.line((l) => l.outcome === 'applied' && l.revision === signed, 20_000, 'the signed commit applied');
    repo.git('config', 'commit.gpgsign', 'false');
    const unsigned = repo.commit(files(50), 'unsigned');
    const line = await p.line((l) => l.outcome === 'rejected' && l.revision === unsigned, 20_000, 'the unsigned commit rejected');
    expect(line).toMatchObject({ instance: 'edge-7', reason: 'ValidationFailed' });
    expect(String((line.errors as string[])[0])).toContain('COMMIT_UNSIGNED');
    const status = await (await fetch(`http://127.0.0.1:${admin}/status`)).json() as StatusDocument;
    expect(status).toMatchObject({ instance: 'edge-7', ready: false, lastAppliedRevision: signed, lastAttemptedRevision: unsigned });
    expect(status.lastAppliedSigner).toMatch(/^ssh alice@example.com SHA256:/);
    expect(status.diagnostics.map((d) => d.code)).toEqual(['COMMIT_UNSIGNED']);
    p.signal('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 60_000);
});

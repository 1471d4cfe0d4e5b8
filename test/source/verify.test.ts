/**
 * --verify-signatures: real keys made in the test (ssh-keygen; gpg in a temp GNUPGHOME), real signed commits,
 * git's own verification. Trusted → applied with its signer; unsigned, untrusted, tampered, re-signed → rejected whole.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHistory } from '../../src/cli/history-view';
import { DEFAULT_LIMITS } from '../../src/manifest/types';
import { TcpProxy } from '../../src/proxy/proxy';
import { Reconciler } from '../../src/reconcile/reconciler';
import { loadApplied } from '../../src/reconcile/state';
import { GitSource } from '../../src/source/git';
import { verdictOf, type VerifyOptions } from '../../src/source/verify';
import { TEST_COMPILE } from '../helpers/app';
import { git, gitRepo, tempDir, type GitRepo } from '../helpers/git';
import { Harness, silent } from '../helpers/harness';
import { connectAndSend, freePort } from '../helpers/net';
import { routeFiles } from '../helpers/routes';

const h = new Harness();
afterEach(() => h.cleanup());

const keys = tempDir('tcpshift-keys-');
/** The test's own gpg home (signing keys); its agent is killed in afterAll. */
const gpgHome = join(keys.dir, 'gnupg');
afterAll(() => {
  try {
    execFileSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: gpgHome }, stdio: 'ignore' });
  } catch {
    // no gpgconf, or nothing was started
  }
  keys.cleanup();
});

/** An SSH key pair; returns the private key path and the public key line. */
function sshKey(name: string): { key: string; pub: string } {
  const key = join(keys.dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: readFileSync(`${key}.pub`, 'utf8').trim() };
}

/** The SHA256 fingerprint ssh-keygen prints for a key. */
function sshFingerprint(key: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
}

/** A passphrase-less OpenPGP signing key in the test's gpg home; returns its fingerprint. */
function gpgKey(uid: string): string {
  mkdirSync(gpgHome, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gpgHome };
  execFileSync('gpg', ['--batch', '--quiet', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
  const colons = execFileSync('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1] ?? '';
}

/** Signs the repo's next commits with `key` (SSH key path or OpenPGP fingerprint); null: unsigned. */
function signWith(repo: GitRepo, kind: 'ssh' | 'openpgp', key: string | null): void {
  if (key === null) return void repo.git('config', 'commit.gpgsign', 'false');
  if (kind === 'openpgp') {
    const wrapper = join(keys.dir, 'gpg-signer.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec gpg --homedir '${gpgHome}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    repo.git('config', 'gpg.program', wrapper);
  }
  repo.git('config', 'gpg.format', kind);
  repo.git('config', 'user.signingkey', key);
  repo.git('config', 'commit.gpgsign', 'true');
}

interface Fixture { repo: GitRepo; state: string; gateway: number; files(w1: number, w2: number): Record<string, string> }

/** A repo whose first commit (100/0) is signed by `first` (v1 answers "one", v2 "two"). */
async function fixture(kind: 'ssh' | 'openpgp', first: string): Promise<Fixture> {
  const ports = { gateway: await freePort(), v1: await h.echo('one'), v2: await h.echo('two') };
  const files = (w1: number, w2: number) => routeFiles({ gateway: ports.gateway, v1: [ports.v1], v2: [ports.v2], weights: [w1, w2] });
  const repo = gitRepo({ 'README.md': 'signed\n' });
  signWith(repo, kind, first);
  repo.commit(files(100, 0), 'all to v1');
  const state = tempDir();
  h.defer(async () => { repo.cleanup(); state.cleanup(); });
  return { repo, state: state.dir, gateway: ports.gateway, files };
}

function reconciler(f: Fixture, verify: VerifyOptions, revision?: string): Reconciler {
  const proxy = new TcpProxy({ logger: silent });
  h.defer(() => proxy.close(200));
  const source = new GitSource({ repo: f.repo.dir, branch: 'main', path: '', stateDir: f.state, limits: DEFAULT_LIMITS, verify });
  const r = new Reconciler(source, proxy, silent, {
    compile: TEST_COMPILE, limits: DEFAULT_LIMITS, stateDir: f.state, intervalMs: 3_600_000, ...(revision ? { revision } : {}),
  });
  h.defer(async () => { await r.stop(); await source.close(); });
  return r;
}

/** Ten new connections; how many v2 answered. */
async function v2Share(port: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < 10; i++) if ((await connectAndSend(port, 'x')).startsWith('two')) n++;
  return n;
}

const codes = (r: Reconciler) => r.status().diagnostics.map((d) => d.code);

describe('--verify-signatures ssh', () => {
  const alice = sshKey('alice');
  const mallory = sshKey('mallory');
  const allowed = join(keys.dir, 'allowed_signers');
  writeFileSync(allowed, `alice@example.com ${alice.pub}\n`);
  const verify: VerifyOptions = { mode: 'ssh', allowedSigners: allowed };

  test('a commit signed by a trusted key is applied; status, history, `tcpshift history` and the state file name the signer', async () => {
    const f = await fixture('ssh', alice.key);
    const r = reconciler(f, verify);
    expect((await r.trigger('t')).outcome).toBe('applied');
    const signer = `ssh alice@example.com ${sshFingerprint(alice.key)}`;
    expect(r.status()).toMatchObject({ ready: true, lastAppliedRevision: f.repo.sha(), lastAppliedSigner: signer });
    expect(r.history()[0]?.signer).toBe(signer);
    expect(renderHistory(r.history())).toContain(`    signed by ${signer}`);
    expect((await loadApplied(f.state))?.commit?.signer).toBe(signer);
    expect((await loadApplied(f.state))?.history?.[0]?.signer).toBe(signer);
  });

  test('unsigned, untrusted and re-signed (force-pushed) commits are rejected whole, the last good table serves, no retry until the branch moves', async () => {
    const f = await fixture('ssh', alice.key);
    const r = reconciler(f, verify);
    expect((await r.trigger('t')).outcome).toBe('applied');
    const good = f.repo.sha();

    signWith(f.repo, 'ssh', null);
    const unsigned = f.repo.commit(f.files(0, 100), 'unsigned: all to v2');
    expect((await r.trigger('poll')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNSIGNED']);
    expect(r.status()).toMatchObject({ ready: false, reason: 'ValidationFailed', lastAppliedRevision: good, lastAttemptedRevision: unsigned });
    expect(await v2Share(f.gateway)).toBe(0);
    expect((await r.trigger('poll')).outcome).toBe('noop'); // not retried until the branch moves

    signWith(f.repo, 'ssh', mallory.key);
    f.repo.commit(f.files(0, 100), 'untrusted: all to v2');
    expect((await r.trigger('poll')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNVERIFIED']);
    expect(r.status().message).toContain(sshFingerprint(mallory.key));

    // Tampered: the trusted commit rewritten (all to v2) and re-signed by another key, force-pushed over it.
    f.repo.git('reset', '-q', '--hard', good);
    f.repo.commit(f.files(0, 100), 'all to v1'); // same subject, other content, mallory's signature
    f.repo.git('reset', '-q', '--soft', 'HEAD~1');
    f.repo.git('commit', '-q', '--amend', '--no-edit');
    expect((await r.trigger('poll')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNVERIFIED']);
    expect(r.status().lastAppliedRevision).toBe(good);
    expect(await v2Share(f.gateway)).toBe(0);

    signWith(f.repo, 'ssh', alice.key);
    const fixed = f.repo.commit(f.files(50, 50), 'signed: half to v2');
    expect((await r.trigger('poll')).outcome).toBe('applied');
    expect(r.status()).toMatchObject({ ready: true, lastAppliedRevision: fixed });
  });

  test('a bad signature (the commit changed after signing) is COMMIT_UNVERIFIED', async () => {
    const f = await fixture('ssh', alice.key);
    const r = reconciler(f, verify);
    expect((await r.trigger('t')).outcome).toBe('applied');
    const signed = f.repo.commit(f.files(0, 100), 'all to v2');
    const forged = git(f.repo.work, 'cat-file', 'commit', signed).replace('all to v2', 'all to v2 (forged)') + '\n';
    writeFileSync(join(keys.dir, 'forged'), forged);
    const sha = git(f.repo.work, 'hash-object', '-t', 'commit', '-w', join(keys.dir, 'forged'));
    f.repo.git('update-ref', 'refs/heads/main', sha);
    expect((await r.trigger('poll')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNVERIFIED']);
    expect(r.status().message).toContain('bad signature');
  });

  test('a --revision pin is verified too', async () => {
    const f = await fixture('ssh', alice.key);
    signWith(f.repo, 'ssh', null);
    const unsigned = f.repo.commit(f.files(0, 100), 'unsigned');
    signWith(f.repo, 'ssh', alice.key);
    f.repo.commit(f.files(50, 50), 'signed head');
    const r = reconciler(f, verify, unsigned.slice(0, 10));
    expect((await r.trigger('t')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNSIGNED']);
    expect(r.status().lastAppliedRevision).toBeNull();
  });
});

describe('--verify-signatures openpgp', () => {
  test('trusted key → applied with its fingerprint; another OpenPGP key or an SSH signature → rejected; no gpg-agent left behind', async () => {
    const trusted = gpgKey('Alice <alice@example.com>');
    const other = gpgKey('Mallory <mallory@example.com>');
    const keyDir = join(keys.dir, 'trusted');
    mkdirSync(keyDir, { recursive: true });
    writeFileSync(join(keyDir, 'alice.asc'), execFileSync('gpg', ['--batch', '--armor', '--export', trusted], { env: { ...process.env, GNUPGHOME: gpgHome }, stdio: ['ignore', 'pipe', 'ignore'] }));
    const verify: VerifyOptions = { mode: 'openpgp', trustedKeys: keyDir };

    const f = await fixture('openpgp', trusted);
    const r = reconciler(f, verify);
    expect((await r.trigger('t')).outcome).toBe('applied');
    expect(r.status().lastAppliedSigner).toBe(`openpgp Alice <alice@example.com> ${trusted}`);

    signWith(f.repo, 'openpgp', other);
    f.repo.commit(f.files(0, 100), 'by mallory');
    expect((await r.trigger('poll')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNVERIFIED']);
    expect(r.status().message).toMatch(new RegExp(other.slice(-16)));

    const ssh = sshKey('alice-ssh');
    f.repo.git('config', '--unset', 'gpg.program');
    signWith(f.repo, 'ssh', ssh.key);
    f.repo.commit(f.files(0, 100), 'ssh-signed');
    expect((await r.trigger('poll')).outcome).toBe('rejected');
    expect(codes(r)).toEqual(['COMMIT_UNVERIFIED']);
    expect(await v2Share(f.gateway)).toBe(0);
    // tcpshift's private GNUPGHOME never starts an agent (no-autostart): nothing to kill there.
    const agents = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('gpg-agent') && l.includes(f.state));
    expect(agents).toEqual([]);
  });
});

describe('verdictOf (git %G? → verdict)', () => {
  const ssh: VerifyOptions = { mode: 'ssh', allowedSigners: '/etc/tcpshift/allowed' };
  const rev = 'c'.repeat(40);
  test.each([
    ['G\0SHA256:abc\0alice@example.com\0SHA256:abc\n', { ok: true, signer: 'ssh alice@example.com SHA256:abc' }],
    ['G\x00502444C5D9BBB225\0Alice <a@x>\0FB2947F08006660B2AE34A41502444C5D9BBB225\n', { ok: true, signer: 'openpgp Alice <a@x> FB2947F08006660B2AE34A41502444C5D9BBB225' }],
    ['N\0\0\0\n', { ok: false, diagnostic: expect.objectContaining({ code: 'COMMIT_UNSIGNED', file: `commit ${rev.slice(0, 12)}` }) }],
    ['U\0SHA256:zzz\0\0SHA256:zzz\n', { ok: false, diagnostic: expect.objectContaining({ code: 'COMMIT_UNVERIFIED', message: expect.stringContaining('not trusted: ssh SHA256:zzz') }) }],
    ['B\0SHA256:abc\0alice@example.com\0SHA256:abc\n', { ok: false, diagnostic: expect.objectContaining({ code: 'COMMIT_UNVERIFIED', message: expect.stringContaining('bad signature') }) }],
    ['E\x00502444C5D9BBB225\0\0\n', { ok: false, diagnostic: expect.objectContaining({ code: 'COMMIT_UNVERIFIED', message: expect.stringContaining('openpgp 502444C5D9BBB225') }) }],
    ['R\0SHA256:abc\0\0\n', { ok: false, diagnostic: expect.objectContaining({ code: 'COMMIT_UNVERIFIED', message: expect.stringContaining('revoked') }) }],
    ['?\0\0\0\n', { ok: false, diagnostic: expect.objectContaining({ code: 'COMMIT_UNVERIFIED' }) }],
  ])('%j', (out, verdict) => {
    expect(verdictOf(out, rev, ssh)).toEqual(verdict);
  });
});

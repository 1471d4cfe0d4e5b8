/**
 * Signed-commit verification (`--verify-signatures ssh|openpgp`): git itself checks each commit's signature
 * (`git log --format=%G?…` with `gpg.ssh.allowedSignersFile`, or gpg with a private GNUPGHOME holding only the
 * trusted keys). No crypto is done here; this file only decides what git's verdict means.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Codes, type Diagnostic } from '../errors';
import { errorText, GitRunner, type GitRunnerOptions } from './git-run';

/** Which kind of signature a commit must carry. */
export type SignatureMode = 'ssh' | 'openpgp';

/** What to trust: an allowed-signers file (SSH) or an OpenPGP keyring file or folder of key files. */
export interface VerifyOptions {
  readonly mode: SignatureMode;
  /** SSH: git's allowed-signers file (`principal key-type key`), read by git at every verification. */
  readonly allowedSigners?: string;
  /** OpenPGP: a key file (armored or binary) or a folder whose files are all imported. */
  readonly trustedKeys?: string;
}

/** The verdict on one commit: trusted, with who signed it, or a rejection with a diagnostic. */
export type SignatureVerdict =
  | { readonly ok: true; readonly signer: string }
  | { readonly ok: false; readonly diagnostic: Diagnostic };

/** `%G?` letters git prints (see git-log PRETTY FORMATS) other than G (trusted) and N (unsigned). */
const LETTERS = new Map<string, string>([
  ['B', 'a bad signature (the commit was changed after signing)'],
  ['U', 'a good signature by a key that is not trusted'],
  ['X', 'an expired signature'],
  ['Y', 'a signature by an expired key'],
  ['R', 'a signature by a revoked key'],
  ['E', 'a signature that cannot be checked (an unknown key, or a signature of the other kind)'],
]);

/** One verdict line from `git log -1 --format=%G?%x00%GK%x00%GS%x00%GF`. Pure. */
export function verdictOf(out: string, revision: string, opts: VerifyOptions): SignatureVerdict {
  const [letter = '', key = '', signer = '', fpr = ''] = out.replace(/\n+$/, '').split('\0');
  const who = describeSigner(key, signer, fpr);
  if (letter === 'G') return { ok: true, signer: who };
  const keys = opts.mode === 'ssh' ? `--allowed-signers ${opts.allowedSigners ?? ''}` : `--trusted-keys ${opts.trustedKeys ?? ''}`;
  if (letter === 'N') {
    return { ok: false, diagnostic: diag(Codes.COMMIT_UNSIGNED, revision, `the commit is not signed; --verify-signatures ${opts.mode} applies only commits signed by a key in ${keys}; nothing was changed, waiting for a new commit`) };
  }
  const what = LETTERS.get(letter) ?? `signature state ${JSON.stringify(letter)}`;
  return {
    ok: false,
    diagnostic: diag(Codes.COMMIT_UNVERIFIED, revision, `the commit has ${what}${who ? `: ${who}` : ''}; it is not verified against ${keys}; nothing was changed, waiting for a new commit`),
  };
}

/** e.g. `ssh alice@example.com SHA256:qfOz…` or `openpgp Alice <alice@example.com> FB29…B225` (the kind from the key's form). */
function describeSigner(key: string, signer: string, fpr: string): string {
  const id = (fpr || key).trim();
  const parts = [signer.trim(), id].filter(Boolean);
  const kind = /^SHA256:/.test(id) ? 'ssh' : 'openpgp';
  return parts.length === 0 ? '' : `${kind} ${parts.join(' ')}`;
}

function diag(code: Diagnostic['code'], revision: string, message: string): Diagnostic {
  return { severity: 'error', code, message, file: `commit ${revision.slice(0, 12)}`, line: 0, col: 0 };
}

/** Verifies commits of one bare cache against the trusted keys. */
export class CommitVerifier {
  private readonly home: string;
  private readonly git: GitRunner;
  private prepared: Promise<void> | null = null;

  /** `stateDir`: the private GNUPGHOME lives in `<stateDir>/gnupg`; `gitDir`: the cache commits are read from. */
  constructor(
    private readonly opts: VerifyOptions,
    stateDir: string,
    gitDir: string,
    timeoutMs: number,
    run: GitRunnerOptions = {},
  ) {
    this.home = resolve(stateDir, 'gnupg');
    this.git = new GitRunner(gitDir, resolve(stateDir), timeoutMs, { GNUPGHOME: this.home }, run);
  }

  /** Git's verdict on `revision`; rejects (git or gpg failed to run, keys unreadable) with a message: retry later. */
  async verify(revision: string): Promise<SignatureVerdict> {
    await (this.prepared ??= this.prepare().catch((err: unknown) => {
      this.prepared = null;
      throw err;
    }));
    const empty = join(this.home, 'no-ssh-signers');
    const out = await this.git.text([
      '-c', 'gpg.program=gpg', '-c', 'gpg.openpgp.program=gpg', '-c', 'gpg.ssh.program=ssh-keygen', '-c', 'gpg.ssh.revocationFile=',
      // Only the configured kind can verify: the other kind checks against nothing.
      '-c', `gpg.ssh.allowedSignersFile=${this.opts.mode === 'ssh' ? resolve(this.opts.allowedSigners ?? empty) : empty}`,
      'log', '-1', '--no-walk', '--format=%G?%x00%GK%x00%GS%x00%GF', revision, '--',
    ]);
    return verdictOf(out, revision, this.opts);
  }

  /** Stops any git running for verification; for shutdown. */
  close(): Promise<void> {
    return this.git.stop();
  }

  /** (Re-)creates the private GNUPGHOME: only the trusted keys, trusted as such, no agent ever started. */
  private async prepare(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
    await mkdir(this.home, { recursive: true, mode: 0o700 });
    // The keyring holds only the trusted keys, so being in it is the trust; gpg never needs an agent to verify.
    await writeFile(join(this.home, 'gpg.conf'), 'trust-model always\nno-autostart\n', { mode: 0o600 });
    await writeFile(join(this.home, 'no-ssh-signers'), '', { mode: 0o600 });
    if (this.opts.mode !== 'openpgp') return;
    const files = await keyFiles(this.opts.trustedKeys ?? '');
    if (files.length === 0) throw new Error(`--trusted-keys ${this.opts.trustedKeys ?? ''} holds no key files`);
    await gpg(this.home, ['--import', '--', ...files]);
  }
}

/** A file, or every regular file of a folder (sorted). */
async function keyFiles(path: string): Promise<string[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [resolve(path)];
  const names = (await readdir(path, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => d.name).sort();
  return names.map((n) => resolve(path, n));
}

/** Runs gpg in batch mode against `home`; rejects with its stderr. */
function gpg(home: string, args: readonly string[]): Promise<void> {
  return new Promise((res, rej) => {
    execFile('gpg', ['--homedir', home, '--batch', '--quiet', '--no-tty', ...args], { timeout: 30_000, env: { ...process.env, GNUPGHOME: home } }, (err, _out, stderr) => {
      if (err) rej(new Error(`gpg ${args[0] ?? ''} failed: ${String(stderr).trim() || errorText(err)}`));
      else res();
    });
  });
}

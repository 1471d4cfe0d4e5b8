/** What a source hands the reconciler: one revision, read whole. */
import type { Diagnostic } from '../errors';
import type { ManifestFile } from '../manifest/types';

/** Who made the commit a snapshot was read from. */
export interface CommitInfo {
  readonly author: string;
  /** ISO 8601 with the author's offset, as `git log --format=%aI` prints it. */
  readonly date: string;
  readonly subject: string;
  /** Who signed it, as git verified it (`ssh alice@example.com SHA256:…`); only with --verify-signatures. */
  readonly signer?: string;
}

/**
 * Every manifest entry of one revision (only those under the sub-path), each file with its content id
 * (git blob id, or a content hash for a folder); paths are relative to the repository root. The core's
 * one input: `buildDesired(snapshot)` raises the diagnostics for what the source found.
 */
export interface Snapshot {
  /** 40-hex commit SHA for Git, `dir:<sha256>` for a folder. */
  readonly revision: string;
  readonly files: readonly ManifestFile[];
  readonly commit?: CommitInfo;
  /** Set when --verify-signatures rejects the commit (COMMIT_UNSIGNED / COMMIT_UNVERIFIED): rejected whole, like a validation error. */
  readonly untrusted?: Diagnostic;
  /** Set to the sub-path when it does not exist in this revision (a typo, or the folder was deleted): the commit is rejected, not read as empty. */
  readonly missingPath?: string;
  /** Set when the files add up to more than the per-commit size cap: no content was read (the commit is rejected whole). */
  readonly overCap?: boolean;
}

/** Stops a watch (closes the watcher, drops a pending call); `ready` settles once events are seen. */
export type StopWatch = (() => Promise<void>) & { readonly ready: Promise<void> };

/** A place manifests come from. Only src/source touches repositories. */
export interface Source {
  /** Resolves the branch (fetching if remote) to a revision id. Throws FetchError (credentials redacted). */
  resolve(): Promise<string>;
  /** Reads every *.yaml / *.yml file (and every symlink, submodule entry) under the sub-path of that revision. Throws FetchError. */
  read(revision: string): Promise<Snapshot>;
  /** Resolves a full or abbreviated commit id to a fetched commit (pinning, `--revision`); throws FetchError when absent. Git only. */
  resolveCommit?(rev: string): Promise<string>;
  /** Calls onChange (debounced, coalesced) when the source may have moved; returns a stop function. */
  watch?(onChange: () => void): StopWatch;
  /** Stops work in flight (kills git processes) and refuses more; called once, at shutdown. */
  close?(): Promise<void>;
  /** A one-line name for logs, credentials redacted. */
  describe(): string;
}

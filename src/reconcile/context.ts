/** What the reconcile steps share: dependencies, options and the applied/attempted bookkeeping. */
import type { Logger } from 'pino';
import type { Diagnostic, Reason } from '../errors';
import type { ManifestFile, ReadLimits, Resource } from '../manifest/types';
import type { Desired } from '../model/desired';
import type { CompileOptions, RoutingTable } from '../model/types';
import type { Snapshot, Source } from '../source/types';
import type { AppliedState } from './state';
import type { Suspension } from './suspension';
import type { Outcome } from './status';

/** The proxy as the reconciler sees it. */
export interface TableSink {
  /** Binds new listeners, then swaps the table in one assignment; throws ApplyError leaving the old table serving. */
  swap(table: RoutingTable): Promise<void>;
}

/** Turns a snapshot into the desired state (in-process by default); never rejects on bad input, only returns diagnostics. */
export type Builder = (snapshot: Snapshot) => Promise<Desired>;

export interface ReconcilerOptions {
  readonly compile: CompileOptions;
  readonly limits: ReadLimits;
  /** Where the applied state is persisted; none = not persisted. */
  readonly stateDir?: string;
  /** Poll interval in ms (also the cap of the fetch backoff). */
  readonly intervalMs: number;
  /** A commit id to serve instead of the branch head (`--revision`); the branch is still fetched to have it. */
  readonly revision?: string;
  /** Who parses, validates and compiles a snapshot; default: buildDesired on this thread. */
  readonly build?: Builder;
}

/** The revision that is serving. */
export interface Applied {
  readonly revision: string;
  readonly at: string;
  readonly table: RoutingTable;
  readonly resources: readonly Resource[];
  readonly files: readonly ManifestFile[];
  readonly commit: { readonly author: string; readonly date: string; readonly subject: string } | null;
}

/** The last revision a run tried to apply, and how that went. */
export interface Attempted {
  readonly revision: string;
  readonly at: string;
  outcome: Outcome | null;
  error: { readonly reason: Reason; readonly message: string } | null;
  diagnostics: Diagnostic[];
}

/** Mutable bookkeeping, owned by the reconciler; steps update it. */
export interface ReconcileState {
  applied: Applied | null;
  attempted: Attempted | null;
  fetchError: string | null;
  fetchFailures: number;
  lastOutcome: Outcome | null;
  lastChanges: string[];
  /** Set while suspended: runs fetch and stop before build/apply. */
  suspended: Suspension | null;
  /** The revision the last suspended run would have applied. */
  pendingRevision: string | null;
}

export interface ReconcilerContext {
  readonly source: Source;
  readonly proxy: TableSink;
  readonly log: Logger;
  readonly options: ReconcilerOptions;
  readonly build: Builder;
  readonly state: ReconcileState;
  readonly persist: (s: AppliedState) => Promise<void>;
}

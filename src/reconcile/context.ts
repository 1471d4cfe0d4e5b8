/** What the reconcile steps share: dependencies, options and (read-only) the applied/attempted bookkeeping. */
import type { Logger } from 'pino';
import type { Diagnostic, Reason } from '../errors';
import type { ManifestFile, ReadLimits, Resource } from '../manifest/types';
import type { Desired } from '../model/desired';
import type { CompileOptions, RoutingTable } from '../model/types';
import type { Snapshot, Source } from '../source/types';
import type { CountersSnapshot } from '../proxy/counters';
import type { HistoryEntry } from './history';
import type { ActiveRollout } from './rollout-state';
import type { Suspension } from './suspension';
import type { Outcome } from './status';

/** The proxy as the reconciler sees it. */
export interface TableSink {
  /** Binds new listeners, then swaps the table in one assignment; throws ApplyError leaving the old table serving. */
  swap(table: RoutingTable): Promise<void>;
  /** The proxy's connection counters (a rollout's own checks read them); absent = those checks see no traffic. */
  counters?(): CountersSnapshot;
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
  /** The clock of rollouts (epoch ms); default Date.now. Injected by tests. */
  readonly now?: () => number;
  /** How often a rollout's timer looks at its steps and checks; default 1 s (tests: less). */
  readonly rolloutTickMs?: number;
}

/** The revision that is serving. */
export interface Applied {
  readonly revision: string;
  readonly at: string;
  readonly table: RoutingTable;
  readonly resources: readonly Resource[];
  readonly files: readonly ManifestFile[];
  readonly commit: { readonly author: string; readonly date: string; readonly subject: string; readonly signer?: string } | null;
}

/** The last revision a run attempted (built and tried to apply), and how that went. */
export interface Attempted {
  readonly revision: string;
  /** When the run that attempted it ended (after a restart: when the persisted revision was applied). */
  readonly at: string;
  readonly outcome: 'applied' | 'rejected' | 'failed';
  readonly error: { readonly reason: Reason; readonly message: string } | null;
  readonly diagnostics: readonly Diagnostic[];
}

/** The run in flight, as status shows it. */
export interface Reconciling {
  /** The revision the run works on; null while it is still fetching. */
  readonly revision: string | null;
  readonly step: string;
  readonly since: string;
}

/** The reconciler's bookkeeping: replaced whole by `advance` (advance.ts), never mutated; steps only read it. */
export interface ReconcileState {
  readonly applied: Applied | null;
  readonly attempted: Attempted | null;
  readonly fetchError: string | null;
  readonly fetchFailures: number;
  /** Outcome and end time of the last run, whatever it did. */
  readonly lastOutcome: Outcome | null;
  readonly lastRunAt: string | null;
  readonly lastChanges: readonly string[];
  /** Set while suspended: runs fetch and stop before build/apply. */
  readonly suspended: Suspension | null;
  /** The revision the last suspended run would have applied. */
  readonly pendingRevision: string | null;
  readonly reconciling: Reconciling | null;
  /** Applied revisions, newest first (persisted with the applied state). */
  readonly history: readonly HistoryEntry[];
  /** The revision a progressive rollout walks toward (kept after it ends, for status), or null. */
  readonly rollout: ActiveRollout | null;
}

export interface ReconcilerContext {
  readonly source: Source;
  readonly proxy: TableSink;
  readonly log: Logger;
  readonly options: ReconcilerOptions;
  readonly build: Builder;
  /** The bookkeeping as it is now (read it again after every await). */
  readonly state: () => ReconcileState;
  /** The rollout clock (epoch ms). */
  readonly now: () => number;
}

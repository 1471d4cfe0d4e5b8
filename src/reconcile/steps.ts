/**
 * The reconcile steps, each `(run, ctx) => Promise<void>`: fetch → read → build (parse, validate,
 * compile) → diff → apply → persist. A step ends the run early by setting `run.outcome`.
 */
import { diff } from '../diff/diff';
import type { Change } from '../diff/types';
import { FetchError, ValidationError } from '../errors';
import type { Resource } from '../manifest/types';
import type { RoutingTable } from '../model/types';
import type { Snapshot } from '../source/types';
import type { Applied, Attempted, ReconcilerContext } from './context';
import type { Outcome } from './status';

/** What one run has learnt so far. */
export interface Run {
  readonly trigger: string;
  /** Re-attempt a revision that failed to apply (a manual trigger). */
  readonly force: boolean;
  readonly startedAt: number;
  step: string;
  revision?: string;
  snapshot?: Snapshot;
  table?: RoutingTable;
  resources?: readonly Resource[];
  changes?: Change[];
  /** The builder's own diff of `table`, and the table it was made against. */
  diffed?: { readonly against: RoutingTable | null; readonly changes: readonly Change[] };
  /** The new serving revision, recorded into the state by the reconciler's `finally`. */
  applied?: Applied;
  outcome?: Outcome;
}

export type Step = (run: Run, ctx: ReconcilerContext) => Promise<void>;

/**
 * Resolves the branch (fetching it) to a revision, or to the pinned `--revision`; a revision already
 * applied (or already rejected) ends the run as a no-op, a new one while suspended as `suspended`.
 */
export const fetchStep: Step = async (run, ctx) => {
  const head = await ctx.source.resolve();
  run.revision = ctx.options.revision ? await pinnedRevision(ctx, ctx.options.revision) : head;
  ctx.state.fetchError = null;
  ctx.state.pendingRevision = null;
  if (run.revision === ctx.state.applied?.revision) run.outcome = 'noop';
  else if (run.revision === ctx.state.attempted?.revision && ctx.state.attempted.error && !(run.force && ctx.state.attempted.outcome === 'failed')) {
    run.outcome = 'noop';
  } else if (ctx.state.suspended) {
    ctx.state.pendingRevision = run.revision;
    run.outcome = 'suspended';
  }
};

/** The pinned commit, found among what was fetched; FetchError when the source cannot pin or has no such commit. */
async function pinnedRevision(ctx: ReconcilerContext, rev: string): Promise<string> {
  if (!ctx.source.resolveCommit) throw new FetchError(`${ctx.source.describe()} cannot pin a revision (--revision needs --repo)`);
  return ctx.source.resolveCommit(rev);
}

/** Reads the revision's manifest files from the commit (never a working tree). */
export const readStep: Step = async (run, ctx) => {
  run.snapshot = await ctx.source.read(need(run.revision));
};

/** Parses, validates and compiles the whole commit (the builder raises every diagnostic, PATH_NOT_FOUND too); any error rejects it whole. */
export const buildStep: Step = async (run, ctx) => {
  const attempted: Attempted = { revision: need(run.revision), at: new Date().toISOString(), outcome: null, error: null, diagnostics: [] };
  ctx.state.attempted = attempted;
  const desired = await ctx.build(need(run.snapshot));
  attempted.diagnostics = [...desired.diagnostics];
  if (!desired.ok) throw new ValidationError(desired.diagnostics);
  run.table = desired.table;
  run.resources = desired.resources;
  if (desired.diffed) run.diffed = desired.diffed;
};

/** Compares the desired table with the one serving (the builder's diff when it was made against that table). */
export const diffStep: Step = async (run, ctx) => {
  const serving = ctx.state.applied?.table ?? null;
  run.changes = run.diffed && run.diffed.against === serving ? [...run.diffed.changes] : diff(serving, need(run.table));
};

/** Swaps the proxy's table (binding new listeners first) unless nothing changed. */
export const applyStep: Step = async (run, ctx) => {
  if (need(run.changes).length > 0) await ctx.proxy.swap(need(run.table));
  run.applied = {
    revision: need(run.revision),
    at: new Date().toISOString(),
    table: need(run.table),
    resources: need(run.resources),
    files: need(run.snapshot).files,
    commit: run.snapshot?.commit ?? null,
  };
  run.outcome = 'applied';
};

/** Persists what was applied so a restart serves it before Git answers; a failure here is logged, not fatal. */
export const persistStep: Step = async (run, ctx) => {
  const applied = run.applied;
  if (!ctx.options.stateDir || !applied) return;
  try {
    await ctx.persist({ revision: applied.revision, appliedAt: applied.at, files: applied.files, commit: applied.commit });
  } catch (err) {
    ctx.log.warn({ err }, 'could not persist the applied state; a restart will wait for Git');
  }
};

/** The steps in order. */
export const STEPS: readonly [string, Step][] = [
  ['fetch', fetchStep], ['read', readStep], ['build', buildStep], ['diff', diffStep], ['apply', applyStep], ['persist', persistStep],
];

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('reconcile step ran out of order');
  return v;
}

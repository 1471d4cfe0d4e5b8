/**
 * The reconcile steps, each `(run, ctx) => Promise<void>`: fetch → read → build (parse, validate,
 * compile) → diff → admit → apply. Steps write only the run and read the state; the reconciler turns
 * the finished run into the next state (advance.ts). A step ends the run early by setting `run.outcome`.
 */
import { diff } from '../diff/diff';
import type { Change } from '../diff/types';
import { FetchError, ValidationError, type Diagnostic } from '../errors';
import type { Resource } from '../manifest/types';
import type { RoutingTable } from '../model/types';
import type { Snapshot } from '../source/types';
import type { Applied, ReconcilerContext } from './context';
import { renderChanges } from '../diff/render';
import { inProgress, planRollouts, tableFor, type ActiveRollout } from './rollout-state';
import type { Outcome } from './status';

/** What one run has learnt so far. */
export interface Run {
  readonly trigger: string;
  /** Re-attempt a revision that failed to apply, report a rejected one again (a manual trigger). */
  readonly force: boolean;
  readonly startedAt: number;
  step: string;
  revision?: string;
  snapshot?: Snapshot;
  /** True once the build step began: the run attempts `revision` and its end is recorded as the last attempt. */
  attempt?: boolean;
  diagnostics?: readonly Diagnostic[];
  table?: RoutingTable;
  resources?: readonly Resource[];
  changes?: Change[];
  /** The builder's own diff of `table`, and the table it was made against. */
  diffed?: { readonly against: RoutingTable | null; readonly changes: readonly Change[] };
  /** The new serving revision (its time is the run's end, set by advance). */
  applied?: Omit<Applied, 'at'>;
  /** Set when the revision changes governed weights: it is rolled out in steps, not applied at once. */
  rollout?: ActiveRollout;
  outcome?: Outcome;
}

export type Step = (run: Run, ctx: ReconcilerContext) => Promise<void>;

/**
 * Resolves the branch (fetching it) to a revision, or to the pinned `--revision`; a revision already
 * applied ends the run as a no-op, one already rejected or failed too (a forced run reports a rejected
 * one as `rejected` and re-attempts a failed one), a new one while suspended as `suspended`.
 */
export const fetchStep: Step = async (run, ctx) => {
  const head = await ctx.source.resolve();
  run.revision = ctx.options.revision ? await pinnedRevision(ctx, ctx.options.revision) : head;
  const s = ctx.state();
  const tried = s.attempted?.revision === run.revision && s.attempted.outcome !== 'applied' ? s.attempted : null;
  if (run.revision === s.applied?.revision) run.outcome = 'noop';
  else if (s.rollout?.revision === run.revision && inProgress(s.rollout)) run.outcome = 'noop';
  else if (tried && !(run.force && tried.outcome === 'failed')) run.outcome = run.force && tried.outcome === 'rejected' ? 'rejected' : 'noop';
  else if (s.suspended) run.outcome = 'suspended';
};

/** The pinned commit, found among what was fetched; FetchError when the source cannot pin or has no such commit. */
async function pinnedRevision(ctx: ReconcilerContext, rev: string): Promise<string> {
  if (!ctx.source.resolveCommit) throw new FetchError(`${ctx.source.describe()} cannot pin a revision (--revision needs --repo)`);
  return ctx.source.resolveCommit(rev);
}

/** Reads the revision's manifest files from the commit (never a working tree); rejects one --verify-signatures does not trust. */
export const readStep: Step = async (run, ctx) => {
  run.snapshot = await ctx.source.read(need(run.revision));
  const untrusted = run.snapshot.untrusted;
  if (untrusted !== undefined) {
    // A commit --verify-signatures does not trust is attempted and rejected whole, like an invalid one.
    run.attempt = true;
    run.diagnostics = [untrusted];
    throw new ValidationError([untrusted]);
  }
};

/** Parses, validates and compiles the whole commit (the builder raises every diagnostic, PATH_NOT_FOUND too); any error rejects it whole. */
export const buildStep: Step = async (run, ctx) => {
  run.attempt = true;
  const desired = await ctx.build(need(run.snapshot));
  run.diagnostics = [...desired.diagnostics];
  if (!desired.ok) throw new ValidationError(desired.diagnostics);
  run.table = desired.table;
  run.resources = desired.resources;
  if (desired.diffed) run.diffed = desired.diffed;
};

/** Compares the desired table with the one serving (the builder's diff when it was made against that table). */
export const diffStep: Step = async (run, ctx) => {
  const serving = ctx.state().applied?.table ?? null;
  run.changes = run.diffed && run.diffed.against === serving ? [...run.diffed.changes] : diff(serving, need(run.table));
};

/** Re-checks suspension right before apply: a suspend that arrived while the run fetched or built stops it here. */
export const admitStep: Step = async (run, ctx) => {
  if (ctx.state().suspended) run.outcome = 'suspended';
};

/**
 * Plans a progressive rollout when the revision changes the shares of a governed route from those served
 * now (during a rollout: the step's); everything else in the commit is served at once either way.
 */
export const rolloutStep: Step = async (run, ctx) => {
  const s = ctx.state();
  const table = need(run.table);
  const served = s.rollout && inProgress(s.rollout) ? tableFor(s.rollout.pending.table, s.rollout.targets) : s.applied?.table ?? null;
  const targets = planRollouts(table, served, need(run.revision), ctx.now());
  if (targets.length === 0) return;
  const snapshot = need(run.snapshot);
  run.rollout = {
    revision: need(run.revision), trigger: run.trigger, changes: renderChanges(need(run.changes)), targets,
    pending: { revision: need(run.revision), table, resources: need(run.resources), files: snapshot.files, commit: snapshot.commit ?? null },
  };
};

/**
 * Swaps the proxy's table (binding new listeners first) unless nothing changed; a rollout's first step
 * is served instead of the committed table, and the revision is applied only when the rollout ends.
 */
export const applyStep: Step = async (run, ctx) => {
  const rolling = inProgress(ctx.state().rollout);
  if (run.rollout) {
    await ctx.proxy.swap(tableFor(run.rollout.pending.table, run.rollout.targets));
    run.outcome = 'rolling';
    return;
  }
  if (need(run.changes).length > 0 || rolling) await ctx.proxy.swap(need(run.table));
  const snapshot = need(run.snapshot);
  run.applied = {
    revision: need(run.revision), table: need(run.table), resources: need(run.resources), files: snapshot.files, commit: snapshot.commit ?? null,
  };
  run.outcome = 'applied';
};

/** The steps of a run, in order. */
export const STEPS: readonly [string, Step][] = [
  ['fetch', fetchStep], ['read', readStep], ['build', buildStep], ['diff', diffStep], ['admit', admitStep], ['rollout', rolloutStep], ['apply', applyStep],
];

/** The steps of the start-up restore (the persisted revision is served even while suspended). */
export const RESTORE_STEPS: readonly [string, Step][] = [['build', buildStep], ['diff', diffStep], ['apply', applyStep]];

/** Runs `steps` in order until one throws or ends the run; returns what was thrown, or null. */
export async function runSteps(run: Run, steps: readonly [string, Step][], ctx: ReconcilerContext, onStep?: (step: string) => void): Promise<unknown> {
  try {
    for (const [name, step] of steps) {
      run.step = name;
      onStep?.(name);
      await step(run, ctx);
      if (run.outcome && run.outcome !== 'applied' && run.outcome !== 'rolling') break;
    }
    return null;
  } catch (err) {
    return err ?? new Error('a reconcile step threw nothing');
  }
}

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('reconcile step ran out of order');
  return v;
}

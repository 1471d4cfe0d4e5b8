/** A rollout in progress across restarts: what is saved with the applied state, and serving its step again. */
import type { ReconcilerContext } from './context';
import { inProgress, rolloutLine, tableFor, type ActiveRollout } from './rollout-state';
import type { PersistedRollout } from './state';

/** What to save of `r` (null when none is in progress). */
export function persistedOf(r: ActiveRollout | null): PersistedRollout | null {
  return r && inProgress(r)
    ? { revision: r.revision, trigger: r.trigger, changes: r.changes, files: r.pending.files, commit: r.pending.commit, targets: r.targets } : null;
}

/** Rebuilds the saved revision and serves its step's table; null (logged) when it no longer validates. */
export async function restoreRollout(ctx: ReconcilerContext, p: PersistedRollout): Promise<ActiveRollout | null> {
  const desired = await ctx.build({ revision: p.revision, files: p.files, ...(p.commit ? { commit: p.commit } : {}) });
  if (!desired.ok) {
    ctx.log.error({ revision: p.revision }, 'the persisted rollout no longer validates; serving the applied revision');
    return null;
  }
  const rollout: ActiveRollout = {
    revision: p.revision, trigger: p.trigger, changes: p.changes, targets: p.targets,
    pending: { revision: p.revision, table: desired.table, resources: desired.resources, files: p.files, commit: p.commit },
  };
  await ctx.proxy.swap(tableFor(desired.table, rollout.targets));
  for (const t of rollout.targets) {
    ctx.log.info({ target: t.target, revision: t.revision, step: t.step, steps: t.steps.length, line: rolloutLine(t) }, 'rollout continues after restart');
  }
  return rollout;
}

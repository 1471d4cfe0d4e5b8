/**
 * The reconcile loop: triggers (poll, watch, manual) coalesce into runs; each run is the steps of
 * steps.ts, then one transition of the bookkeeping (advance.ts), observers, one summary log line and,
 * after an apply, the persisted state.
 */
import type { Logger } from 'pino';
import { formatDiagnostic, ValidationError } from '../errors';
import { buildDesired } from '../model/desired';
import type { Snapshot, Source } from '../source/types';
import { advance, classify, INITIAL_STATE, type ReconcileEvent } from './advance';
import { backoffDelay } from './backoff';
import type { ReconcilerContext, ReconcilerOptions, ReconcileState, TableSink } from './context';
import type { HistoryEntry } from './history';
import { loadApplied, saveApplied } from './state';
import { persistSuspension, restoreSuspension } from './suspension';
import { statusOf, type Outcome, type ReconcileStatus } from './status';
import { RESTORE_STEPS, runSteps, STEPS, type Run } from './steps';
import { RolloutDriver, type RolloutCommand } from './rollout-driver';
import { persistedOf, restoreRollout } from './rollout-persist';
import { rolloutLine } from './rollout-state';

/** What a run reports when it ends. */
export interface RunResult {
  readonly revision: string | null;
  readonly outcome: Outcome;
  readonly changes: string[];
  readonly durationMs: number;
  readonly error?: string;
  /** When rejected: every error of the revision, formatted `file:line:col: code: message`. */
  readonly errors?: string[];
}

/** Called after every run (metrics). */
export type RunObserver = (result: RunResult, status: ReconcileStatus) => void;

const FETCH_BACKOFF_BASE_MS = 500;

export class Reconciler {
  private readonly ctx: ReconcilerContext;
  private state: ReconcileState = INITIAL_STATE;
  private running: Promise<RunResult> | null = null;
  private queued: Promise<RunResult> | null = null;
  /** The arguments of the queued run: the latest reason, and force once any caller asked for it. */
  private next: { reason: string; force: boolean } | null = null;
  /** Suspend and resume, one at a time, so suspended.json always ends as memory says. */
  private suspension: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private unwatch: (() => Promise<void>) | null = null;
  private stopped = true;
  private readonly observers: RunObserver[] = [];
  /** Rollout rounds and commands, one at a time and never during a run. */
  private rolloutWork: Promise<unknown> = Promise.resolve();
  private readonly rollouts: RolloutDriver;

  constructor(source: Source, proxy: TableSink, log: Logger, readonly options: ReconcilerOptions) {
    const build = options.build ?? (async (s: Snapshot) => buildDesired(s, options.compile, options.limits));
    this.ctx = { source, proxy, log, options, build, state: () => this.state, now: options.now ?? Date.now };
    this.rollouts = new RolloutDriver({
      ctx: this.ctx, log, state: () => this.state, advance: (e) => this.advance(e),
      exclusive: (op) => this.exclusive(op), persist: () => this.persistApplied(),
    });
  }

  /** A manual rollout command (pause, resume, promote, abort); false when no rollout is in progress. */
  rollout(cmd: RolloutCommand): Promise<boolean> {
    return this.rollouts.command(cmd);
  }

  /** Rollout check results counted so far, by target, check and result (metrics). */
  rolloutCheckTotals(): ReturnType<RolloutDriver['checkTotals']> {
    return this.rollouts.checkTotals();
  }

  /** Runs `op` after the run in flight, chained so a run that starts meanwhile waits for it (runOnce awaits rolloutWork). */
  private async exclusive<T>(op: () => Promise<T>): Promise<T> {
    while (this.running) await this.running.catch(() => undefined);
    const done = this.rolloutWork.then(op);
    this.rolloutWork = done.catch(() => undefined);
    return done;
  }

  /** Registers a callback run after every reconcile. */
  onRun(observer: RunObserver): void {
    this.observers.push(observer);
  }

  /**
   * Serves the persisted revision, if any, before Git is asked (the build, diff and apply steps, then the
   * `restored` transition); a corrupt state file is logged and ignored. A persisted suspension is restored
   * first (an unreadable one keeps the reconciler suspended).
   */
  async restore(): Promise<boolean> {
    const dir = this.options.stateDir;
    if (!dir) return false;
    const suspended = await restoreSuspension(dir, this.ctx.log);
    if (suspended) this.advance({ type: 'suspended', suspension: suspended });
    try {
      const saved = await loadApplied(dir);
      if (!saved) return false;
      const run: Run = {
        trigger: 'restore', force: false, startedAt: performance.now(), step: 'build', revision: saved.revision,
        snapshot: { revision: saved.revision, files: saved.files, ...(saved.commit ? { commit: saved.commit } : {}) },
      };
      const err = await runSteps(run, RESTORE_STEPS, this.ctx);
      if (err instanceof ValidationError) throw new Error(`persisted revision ${saved.revision} no longer validates: ${err.message}`);
      if (err !== null) throw err;
      this.advance({ type: 'restored', at: saved.appliedAt, run, history: saved.history ?? [] });
      this.ctx.log.info({ revision: saved.revision, listeners: run.table?.listeners.length ?? 0 }, 'serving the persisted revision until Git answers');
      if (saved.rollout) {
        const rollout = await restoreRollout(this.ctx, saved.rollout)
          .catch((err: unknown) => { this.ctx.log.error({ err }, 'could not continue the persisted rollout; serving the applied revision'); return null; });
        if (rollout) this.advance({ type: 'rollout-restored', at: new Date().toISOString(), rollout });
      }
      return true;
    } catch (err) {
      this.ctx.log.error({ err, stateDir: dir }, 'ignoring the persisted state; waiting for Git');
      return false;
    }
  }

  /** Starts polling (and watching, where the source can): the first run happens at once. */
  start(): void {
    this.stopped = false;
    this.rollouts.start();
    if (this.ctx.source.watch) this.unwatch = this.ctx.source.watch(() => void this.trigger('watch'));
    void this.loop('start');
  }

  /** Stops polling and watching; waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.rollouts.stop();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.unwatch?.();
    this.unwatch = null;
    await this.running?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
    await this.rolloutWork;
  }

  /**
   * Asks for a run. While one runs, further triggers coalesce into exactly one more run, whose result
   * every one of them receives; it runs with the latest reason, forced if any of them asked for `force`
   * (re-attempt a revision whose apply failed, report a rejected one as `rejected`).
   */
  trigger(reason: string, force = false): Promise<RunResult> {
    if (!this.running) {
      this.running = this.runOnce(reason, force).finally(() => { this.running = null; });
      return this.running;
    }
    if (this.next && this.queued) {
      this.next = { reason, force: this.next.force || force };
      return this.queued;
    }
    this.next = { reason, force };
    this.queued = this.running.catch(() => undefined).then(() => {
      const next = this.next ?? { reason, force };
      this.next = null;
      this.queued = null;
      return this.trigger(next.reason, next.force);
    });
    return this.queued;
  }

  /** The status object (without listeners, which the proxy adds). */
  status(): ReconcileStatus {
    return statusOf(this.state, this.ctx.source.describe(), this.options.revision ?? null);
  }

  /**
   * Freezes applying (the incident freeze): runs keep fetching and record the revision they would
   * apply; a run past fetch stops before apply. Persisted under --state-dir (a failure to persist is
   * logged). Idempotent; serialized with resume.
   */
  suspend(reason = 'manual'): Promise<ReconcileStatus> {
    return this.serially(async () => {
      if (!this.state.suspended) {
        this.advance({ type: 'suspended', suspension: { at: new Date().toISOString(), reason } });
        this.ctx.log.warn({ reason }, 'reconciler suspended: fetching continues, nothing is applied until resumed');
        await this.saveSuspension();
      }
      return this.status();
    });
  }

  /** Lifts a suspension and reconciles at once; resolves with that run's result. */
  async resume(): Promise<RunResult> {
    await this.serially(async () => {
      if (!this.state.suspended) return;
      this.advance({ type: 'resumed' });
      this.ctx.log.info({ pendingRevision: this.state.pendingRevision }, 'reconciler resumed');
      await this.saveSuspension();
    });
    return this.trigger('resume');
  }

  /** The last applied revisions, newest first (at most 20; persisted with the applied state). */
  history(): HistoryEntry[] {
    return [...this.state.history];
  }

  /** The revision serving now, with its resources (for `/config` and `tcpshift get`). */
  applied(): ReconcileState['applied'] {
    return this.state.applied;
  }

  private advance(event: ReconcileEvent): void {
    this.state = advance(this.state, event);
  }

  private serially<T>(op: () => Promise<T>): Promise<T> {
    const done = this.suspension.then(op);
    this.suspension = done.catch(() => undefined);
    return done;
  }

  private async saveSuspension(): Promise<void> {
    if (this.options.stateDir) await persistSuspension(this.options.stateDir, this.state.suspended, this.ctx.log);
  }

  private async loop(reason: string): Promise<void> {
    if (this.stopped) return;
    await this.trigger(reason).catch(() => undefined);
    if (this.stopped) return;
    const failures = this.state.fetchFailures;
    const delay = failures > 0 ? backoffDelay(failures, FETCH_BACKOFF_BASE_MS, this.options.intervalMs) : this.options.intervalMs;
    this.timer = setTimeout(() => void this.loop(failures > 0 ? 'retry' : 'poll'), delay);
    this.timer.unref?.();
  }

  private async runOnce(trigger: string, force: boolean): Promise<RunResult> {
    await this.rolloutWork;
    const run: Run = { trigger, force, startedAt: performance.now(), step: 'fetch' };
    this.advance({ type: 'started', at: new Date().toISOString() });
    const err = await runSteps(run, STEPS, this.ctx, (step) => this.advance({ type: 'step', step, revision: run.revision ?? null }));
    const result = this.record(run, err);
    if (result.outcome === 'rolling') {
      for (const t of this.state.rollout?.targets ?? []) {
        this.ctx.log.info({ target: t.target, revision: t.revision, step: t.step, steps: t.steps.length, line: rolloutLine(t) }, 'rollout started');
      }
    }
    if (result.outcome === 'applied' || result.outcome === 'rolling') await this.persistApplied();
    return result;
  }

  /** The end of every run: one transition, then observers and one summary log line (debug for a repeated noop). */
  private record(run: Run, err: unknown): RunResult {
    const before = this.state;
    const classified = err === null ? null : classify(err, run.step);
    this.advance({ type: 'finished', at: new Date().toISOString(), run, error: classified });
    const s = this.state;
    const outcome = s.lastOutcome ?? 'noop';
    const errors = outcome === 'rejected' ? (s.attempted?.diagnostics ?? []).filter((d) => d.severity === 'error').map(formatDiagnostic) : [];
    const error = classified?.message ?? (outcome === 'rejected' ? s.attempted?.error?.message : undefined);
    const result: RunResult = {
      revision: run.revision ?? null,
      outcome,
      changes: outcome === 'applied' ? [...s.lastChanges] : [],
      durationMs: Math.round((performance.now() - run.startedAt) * 100) / 100,
      ...(error !== undefined ? { error } : {}),
      ...(outcome === 'rejected' ? { errors } : {}),
    };
    const status = this.status();
    for (const o of this.observers) o(result, status);
    const fields = {
      revision: result.revision, outcome, changes: result.changes, durationMs: result.durationMs, trigger: run.trigger,
      ...(classified ? { reason: classified.reason, next: classified.next, error: classified.message } : {}),
      ...(outcome === 'rejected' ? { errors } : {}),
    };
    const repeated = before.lastOutcome === outcome && (outcome === 'noop' || (outcome === 'suspended' && before.pendingRevision === s.pendingRevision));
    if (outcome === 'rejected' || outcome === 'failed') this.ctx.log.warn(fields, 'reconcile finished');
    else if (repeated) this.ctx.log.debug(fields, 'reconcile finished');
    else this.ctx.log.info(fields, 'reconcile finished');
    return result;
  }

  /** Writes the applied revision with the history (one atomic file); a failure is logged, not fatal. */
  private async persistApplied(): Promise<void> {
    const dir = this.options.stateDir;
    const a = this.state.applied;
    if (!dir || !a) return;
    try {
      await saveApplied(dir, { revision: a.revision, appliedAt: a.at, files: a.files, commit: a.commit, history: this.state.history, rollout: persistedOf(this.state.rollout) });
    } catch (err) {
      this.ctx.log.warn({ err }, 'could not persist the applied state; a restart will wait for Git');
    }
  }
}

export type { Source };

/**
 * The reconcile loop: triggers (poll, watch, manual) coalesce into runs; each run is the steps of
 * steps.ts plus one `finally` that records status, observers and one summary log line.
 */
import type { Logger } from 'pino';
import { renderChanges } from '../diff/render';
import { formatDiagnostic, Reasons, TcpshiftError, FetchError, ApplyError } from '../errors';
import { buildDesired } from '../model/desired';
import type { Snapshot, Source } from '../source/types';
import { backoffDelay } from './backoff';
import type { ReconcilerContext, ReconcilerOptions, ReconcileState, TableSink } from './context';
import { History, type HistoryEntry } from './history';
import { loadApplied, saveApplied } from './state';
import { persistSuspension, restoreSuspension } from './suspension';
import { statusOf, type Outcome, type ReconcileStatus } from './status';
import { STEPS, type Run } from './steps';

/** What a run reports when it ends. */
export interface RunResult {
  readonly revision: string | null;
  readonly outcome: Outcome;
  readonly changes: string[];
  readonly durationMs: number;
  readonly error?: string;
}

/** Called after every run (metrics). */
export type RunObserver = (result: RunResult, status: ReconcileStatus) => void;

const FETCH_BACKOFF_BASE_MS = 500;

export class Reconciler {
  private readonly ctx: ReconcilerContext;
  private readonly state: ReconcileState = {
    applied: null, attempted: null, fetchError: null, fetchFailures: 0, lastOutcome: null, lastChanges: [], suspended: null, pendingRevision: null,
  };
  private readonly applies = new History();
  private running: Promise<RunResult> | null = null;
  private queued: Promise<RunResult> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unwatch: (() => Promise<void>) | null = null;
  private stopped = true;
  private readonly observers: RunObserver[] = [];

  constructor(source: Source, proxy: TableSink, log: Logger, readonly options: ReconcilerOptions) {
    const persist = options.stateDir ? (s: Parameters<typeof saveApplied>[1]) => saveApplied(options.stateDir as string, s) : async () => {};
    const build = options.build ?? (async (s: Snapshot) => buildDesired(s, options.compile, options.limits));
    this.ctx = { source, proxy, log, options, build, state: this.state, persist };
  }

  /** Registers a callback run after every reconcile. */
  onRun(observer: RunObserver): void {
    this.observers.push(observer);
  }

  /**
   * Serves the persisted revision, if any, before Git is asked; a corrupt state file is logged and ignored.
   * A persisted suspension is restored first (an unreadable one keeps the reconciler suspended).
   */
  async restore(): Promise<boolean> {
    const dir = this.options.stateDir;
    if (!dir) return false;
    await this.restoreSuspension(dir);
    try {
      const saved = await loadApplied(dir);
      if (!saved) return false;
      const desired = await this.ctx.build({ revision: saved.revision, files: saved.files });
      if (!desired.ok) throw new Error(`persisted revision ${saved.revision} no longer validates: ${desired.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)[0]}`);
      await this.ctx.proxy.swap(desired.table);
      this.state.applied = { revision: saved.revision, at: saved.appliedAt, table: desired.table, resources: desired.resources, files: saved.files, commit: saved.commit ?? null };
      this.ctx.log.info({ revision: saved.revision, listeners: desired.table.listeners.length }, 'serving the persisted revision until Git answers');
      return true;
    } catch (err) {
      this.ctx.log.error({ err, stateDir: dir }, 'ignoring the persisted state; waiting for Git');
      return false;
    }
  }

  /** Starts polling (and watching, where the source can): the first run happens at once. */
  start(): void {
    this.stopped = false;
    if (this.ctx.source.watch) this.unwatch = this.ctx.source.watch(() => void this.trigger('watch'));
    void this.loop('start');
  }

  /** Stops polling and watching; waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.unwatch?.();
    this.unwatch = null;
    await this.running?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
  }

  /**
   * Asks for a run. While one runs, further triggers coalesce into exactly one more run, whose
   * result every one of them receives. `force` re-attempts a revision whose apply failed.
   */
  trigger(reason: string, force = false): Promise<RunResult> {
    if (!this.running) {
      this.running = this.runOnce(reason, force).finally(() => { this.running = null; });
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running.then(() => { this.queued = null; return this.trigger(reason, force); });
    }
    return this.queued;
  }

  /** The status object (without listeners, which the proxy adds). */
  status(): ReconcileStatus {
    return statusOf(this.state, this.ctx.source.describe(), this.options.revision ?? null, this.applies.list());
  }

  /**
   * Freezes applying (the incident freeze): runs keep fetching and record the revision they would
   * apply. Persisted under --state-dir (a failure to persist is logged). Idempotent.
   */
  async suspend(reason = 'manual'): Promise<ReconcileStatus> {
    if (!this.state.suspended) {
      this.state.suspended = { at: new Date().toISOString(), reason };
      this.ctx.log.warn({ reason }, 'reconciler suspended: fetching continues, nothing is applied until resumed');
      await this.saveSuspension();
    }
    return this.status();
  }

  /** Lifts a suspension and reconciles at once; resolves with that run's result. */
  async resume(): Promise<RunResult> {
    if (this.state.suspended) {
      this.state.suspended = null;
      this.ctx.log.info({ pendingRevision: this.state.pendingRevision }, 'reconciler resumed');
      await this.saveSuspension();
    }
    return this.trigger('resume');
  }

  /** The last applied revisions, newest first (at most 20). */
  history(): HistoryEntry[] {
    return this.applies.list();
  }

  /** The revision serving now, with its resources (for `/config` and `tcpshift get`). */
  applied(): ReconcileState['applied'] {
    return this.state.applied;
  }

  private async restoreSuspension(dir: string): Promise<void> {
    this.state.suspended = await restoreSuspension(dir, this.ctx.log);
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
    const run: Run = { trigger, force, startedAt: performance.now(), step: 'fetch' };
    let error: unknown = null;
    try {
      for (const [name, step] of STEPS) {
        run.step = name;
        await step(run, this.ctx);
        if (run.outcome && run.outcome !== 'applied') break;
      }
    } catch (err) {
      error = err;
    } finally {
      return this.record(run, error);
    }
  }

  /** The one `finally`: classifies the error, updates status, tells observers, logs one line. */
  private record(run: Run, err: unknown): RunResult {
    const s = this.state;
    const classified = err === null ? null : classify(err, run.step);
    const outcome: Outcome = classified ? (classified.reason === Reasons.ValidationFailed ? 'rejected' : 'failed') : (run.outcome ?? 'noop');
    if (classified?.reason === Reasons.FetchFailed) {
      s.fetchFailures += 1;
      s.fetchError = classified.message;
    } else if (classified && s.attempted && s.attempted.revision === run.revision) {
      s.attempted.error = { reason: classified.reason, message: classified.message };
      s.attempted.outcome = outcome;
    } else if (outcome === 'applied' && s.attempted) {
      s.attempted.outcome = 'applied';
    }
    if (!classified || classified.reason !== Reasons.FetchFailed) s.fetchFailures = 0;
    if (outcome === 'applied' && run.applied) s.applied = run.applied;
    const changes = outcome === 'applied' ? renderChanges(run.changes ?? []) : [];
    if (outcome === 'applied' && run.applied) {
      const c = run.applied.commit;
      this.applies.add({
        revision: run.applied.revision, appliedAt: run.applied.at, author: c?.author ?? null, date: c?.date ?? null,
        subject: c?.subject ?? null, changes, trigger: run.trigger,
      });
    }
    if (outcome === 'applied') s.lastChanges = changes;
    s.lastOutcome = outcome;
    const result: RunResult = {
      revision: run.revision ?? null,
      outcome,
      changes,
      durationMs: Math.round((performance.now() - run.startedAt) * 100) / 100,
      ...(classified ? { error: classified.message } : {}),
    };
    const status = this.status();
    for (const o of this.observers) o(result, status);
    const fields = {
      revision: result.revision, outcome, changes, durationMs: result.durationMs, trigger: run.trigger,
      ...(classified ? { reason: classified.reason, next: classified.next, error: classified.message } : {}),
      ...(outcome === 'rejected' ? { errors: status.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic) } : {}),
    };
    if (outcome === 'rejected' || outcome === 'failed') this.ctx.log.warn(fields, 'reconcile finished');
    else this.ctx.log.info(fields, 'reconcile finished');
    return result;
  }
}

/** Maps any error to a reason, a message and what happens next. */
function classify(err: unknown, step: string): { reason: TcpshiftError['reason']; message: string; next: TcpshiftError['next'] } {
  if (err instanceof TcpshiftError) return { reason: err.reason, message: err.message, next: err.next };
  const message = err instanceof Error ? err.message : String(err);
  const wrapped = step === 'fetch' || step === 'read' ? new FetchError(message) : new ApplyError(message);
  return { reason: wrapped.reason, message, next: wrapped.next };
}

export type { Source };

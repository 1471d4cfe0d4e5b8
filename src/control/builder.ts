/**
 * The reconciler's Builder on a worker thread: parse → validate → compile → diff run off the serving
 * thread, which only assembles the answer (O(what changed)). A worker that crashes, runs out of its
 * heap or overruns the build time is replaced; that commit is rejected whole with COMMIT_TOO_COMPLEX
 * naming the file it was parsing, and the table serving stays.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Codes, type Diagnostic } from '../errors';
import type { ManifestFile, ReadLimits } from '../manifest/types';
import { DEFAULT_CACHE_BYTES } from '../manifest/cache';
import type { Desired } from '../model/desired';
import type { CompileOptions } from '../model/types';
import type { Snapshot } from '../source/types';
import { Assembler } from './assemble';
import type { BuildRequest, WireFile, WorkerConfig, WorkerMessage } from './protocol';
import { spawnBuildWorker } from './spawn';

/** Heap the build worker may use (old generation), MiB: a commit that needs more is COMMIT_TOO_COMPLEX. */
export const DEFAULT_WORKER_HEAP_MB = 768;
/**
 * Young generation of the build worker, MiB: 16 costs no measurable CPU against 32 on a 5,000-route
 * build (cpu ratio 0.98–1.07) and keeps ~15–28 MiB less resident between builds.
 */
export const WORKER_YOUNG_MB = 16;
/** Time one build may take, ms. */
export const DEFAULT_BUILD_TIMEOUT_MS = 60_000;

export interface WorkerBuilderOptions {
  readonly compile: CompileOptions;
  readonly limits: ReadLimits;
  readonly log: Logger;
  readonly heapMb?: number;
  readonly timeoutMs?: number;
  readonly cacheBytes?: number;
}

interface Pending {
  readonly id: number;
  file: string | null;
  readonly done: (d: Desired) => void;
  readonly timer: NodeJS.Timeout;
}

export class WorkerBuilder {
  private worker: Worker | null = null;
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private readonly assembler = new Assembler();
  private stopped = false;
  /** Why the current worker is ending (an error, the time cap), told when it has exited. */
  private why: string | null = null;
  /** Path → blob id of the files whose bytes the worker holds from the last request (not sent again). */
  private held = new Map<string, string>();
  /** Workers started, ever (1 + restarts); files parsed by the last build; bytes of file content sent with the last request. */
  starts = 0;
  lastParses = 0;
  lastSentBytes = 0;

  constructor(private readonly opts: WorkerBuilderOptions) {}

  /** Starts the worker ahead of the first build (its start-up overlaps the first fetch). */
  start(): void {
    if (!this.stopped) this.ensureWorker();
  }

  /** The Builder: one build at a time; never rejects. */
  readonly build = (snapshot: Snapshot): Promise<Desired> => {
    const run = this.queue.then(() => this.buildOnce(snapshot));
    this.queue = run.catch(() => undefined);
    return run;
  };

  /** Ends the worker; later builds are rejected with COMMIT_TOO_COMPLEX. */
  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.worker;
    this.worker = null;
    const p = this.pending;
    if (p) {
      this.settle(p);
      p.done(tooComplex(p.file, 'the build worker was stopped'));
    }
    if (w) await w.terminate();
  }

  /** Ends the worker now, as a crash would (tests). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  private buildOnce(snapshot: Snapshot, retried = false): Promise<Desired> {
    if (this.stopped) return Promise.resolve(tooComplex(null, 'the build worker is stopped'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<Desired>((resolve) => {
      const timeoutMs = this.opts.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
      const timer = setTimeout(() => {
        this.why = `the build took longer than ${timeoutMs} ms`;
        void worker.terminate();
      }, timeoutMs);
      timer.unref();
      this.pending = { id, file: null, done: resolve, timer };
      const req: BuildRequest = {
        id, files: this.wire(snapshot.files),
        ...(snapshot.missingPath !== undefined ? { missingPath: snapshot.missingPath } : {}),
        ...(snapshot.overCap ? { overCap: true } : {}),
      };
      worker.ref(); // a build in flight keeps the process up; an idle worker does not
      worker.postMessage(req);
    }).then((d) => (d === RETRY && !retried ? this.buildOnce(snapshot, true) : d === RETRY ? tooComplex(null, 'the build worker lost its state twice') : d));
  }

  /** The files to send: those whose bytes the worker holds (same path and id) go without them. */
  private wire(files: readonly ManifestFile[]): WireFile[] {
    let sent = 0;
    const out = files.map((f): WireFile => {
      if (f.content === undefined || f.id === undefined || this.held.get(f.path) !== f.id) {
        sent += f.content?.length ?? 0;
        return f;
      }
      const { content: _bytes, ...rest } = f;
      return { ...rest, held: true };
    });
    this.held = new Map(files.flatMap((f) => (f.content !== undefined && f.id !== undefined ? [[f.path, f.id] as const] : [])));
    this.lastSentBytes = sent;
    return out;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    this.held = new Map();
    const config: WorkerConfig = { compile: this.opts.compile, limits: this.opts.limits, cacheBytes: this.opts.cacheBytes ?? DEFAULT_CACHE_BYTES };
    const w = spawnBuildWorker(config, { maxOldGenerationSizeMb: this.opts.heapMb ?? DEFAULT_WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB });
    this.starts += 1;
    this.assembler.reset();
    w.unref();
    w.on('message', (m: WorkerMessage) => this.onMessage(w, m));
    // The reason is kept until 'exit': messages the worker posted before it died (which file it was parsing) arrive first.
    w.on('error', (err) => {
      if (w === this.worker) this.why ??= `the build worker failed: ${err.message}`;
    });
    w.on('exit', (code) => this.fail(w, this.why ?? `the build worker exited (code ${code})`));
    this.worker = w;
    return w;
  }

  private onMessage(w: Worker, m: WorkerMessage): void {
    const p = this.pending;
    if (w !== this.worker || p === null || m.id !== p.id) return;
    if (m.type === 'parsing') {
      p.file = m.file;
      return;
    }
    this.settle(p);
    if (m.type === 'resend') {
      this.held = new Map();
      return p.done(RETRY);
    }
    this.lastParses = m.parses;
    if (!m.ok) return p.done({ ok: false, resources: [], diagnostics: m.diagnostics });
    const against = m.delta.base === null ? null : this.assembler.last;
    let built;
    try {
      built = this.assembler.apply(m.delta);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'build worker answered against another table; restarting it for a full build');
      this.replace(w);
      return p.done(RETRY);
    }
    p.done({ ok: true, table: built.table, resources: built.resources, diagnostics: m.diagnostics, diffed: { against, changes: m.delta.changes } });
  }

  /** The worker died or overran: replace it, reject the build in flight (if any) whole. */
  private fail(w: Worker, why: string): void {
    if (w !== this.worker) return;
    this.replace(w);
    const p = this.pending;
    if (p === null) {
      if (!this.stopped) this.opts.log.warn({ why }, 'build worker ended between builds; a new one starts with the next build');
      return;
    }
    this.settle(p);
    this.opts.log.warn({ why, file: p.file }, 'build worker ended during a build; the commit is rejected, the serving table stays');
    p.done(tooComplex(p.file, why));
  }

  private replace(w: Worker): void {
    this.worker = null;
    this.held = new Map();
    this.why = null;
    this.assembler.reset();
    void w.terminate().catch(() => undefined);
  }

  private settle(p: Pending): void {
    clearTimeout(p.timer);
    this.worker?.unref();
    this.pending = null;
  }
}

/** Marks a build to be run again once with a fresh worker. */
const RETRY = { ok: false, resources: [], diagnostics: [] } as unknown as Desired;

function tooComplex(file: string | null, why: string): Desired {
  const d: Diagnostic = {
    severity: 'error', code: Codes.COMMIT_TOO_COMPLEX, file: file ?? '', line: 0, col: 0,
    message: `${why}${file ? ` while reading this file` : ''}; the commit is rejected whole and the serving table stays`,
  };
  return { ok: false, resources: [], diagnostics: [d] };
}

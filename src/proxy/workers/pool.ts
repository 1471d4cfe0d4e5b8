/**
 * The data plane on N worker threads (`--workers N`), fed by the one reconciler of the instance
 * through the same `swap(table)` a TcpProxy takes. A swap is two-phase: every worker builds the new
 * table's runtime and binds its new listeners (SO_REUSEPORT), and only when all have answered does
 * the pool flip the generation in shared memory, which each worker reads at accept — so a new
 * connection, on whichever worker, sees the old table or the new one, never a mix. One failure
 * (a bind error) aborts the swap everywhere and the old table keeps serving. Counters are the sum of
 * the workers'; a worker that dies is logged and replaced (its open connections are lost).
 */
import { readdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { Worker } from 'node:worker_threads';
import { openFileLimit } from '../../admin/budget';
import { ApplyError } from '../../errors';
import { socketOf } from '../../model/address';
import type { Listener, RoutingTable } from '../../model/types';
import type { CountersSnapshot } from '../counters';
import type { ProxySnapshot } from '../snapshot';
import type { BoundAddress } from '../transport';
import { snapshotFrom, sumCounters } from './aggregate';
import type { FromWorker, TableDelta, ToWorker, WorkerStats } from './protocol';
import { copiesFor } from './placement';
import { flipGeneration, resetSlot, ROUTE_SLOTS, sharedMemory } from './shared';
import { spawnDataWorker } from './spawn';

export interface WorkerPoolOptions {
  readonly logger: Logger;
  /** Worker threads, ≥ 2 (one worker is a TcpProxy on the main thread: see createDataPlane). */
  readonly workers: number;
  /** Client connections held at most over all workers; each worker holds at most its share (rounded up). */
  readonly maxConnections?: number;
  /** How often each worker sends its counters unasked (default 200 ms); /status is at most this old between swaps. */
  readonly statsMs?: number;
  /** Runs once every worker has bound a table and before the flip makes it live (tests look into that window). */
  readonly beforeFlip?: () => Promise<void>;
}

interface Waiter {
  readonly match: (m: FromWorker) => boolean;
  readonly resolve: (m: FromWorker) => void;
  readonly reject: (err: Error) => void;
}

/** One worker thread as the pool tracks it. */
interface Member {
  readonly index: number;
  readonly worker: Worker;
  readonly log: Logger;
  stats: WorkerStats | null;
  waiters: Waiter[];
  exited: boolean;
}

const EMPTY: RoutingTable = Object.freeze({ listeners: Object.freeze([]) });

export class WorkerPool {
  private readonly log: Logger;
  private readonly mem = sharedMemory();
  private members: Member[] = [];
  private gen = 0;
  private committed: RoutingTable = EMPTY;
  /** The listener objects the workers serve, by key, with their route slot. */
  private served = new Map<string, { listener: Listener; slot: number }>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 1;
  private slotsWarned = false;
  private readonly bound = new Map<string, BoundAddress>();
  private copiesWarned = false;
  /** Counters of workers that died (their open connections counted as gone). */
  private readonly retired: CountersSnapshot[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly started: Promise<void>;

  constructor(private readonly opts: WorkerPoolOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 2) throw new RangeError(`a worker pool needs at least 2 workers, got ${opts.workers}`);
    this.log = opts.logger.child({ component: 'workers' });
    this.started = Promise.all(Array.from({ length: opts.workers }, (_, i) => this.spawn(i))).then(() => undefined);
    this.started.catch(() => undefined);
    this.log.info({ workers: opts.workers }, 'data-plane workers starting');
  }

  /** The data path of every worker. */
  get dataPath(): 'native' {
    return 'native';
  }

  /** The table serving new connections now (the very object the reconciler swapped in). */
  get table(): RoutingTable {
    return this.committed;
  }

  /** Makes `next` live on every worker at once; rejects with ApplyError (the old table serving everywhere) when any worker cannot. */
  swap(next: RoutingTable): Promise<void> {
    const run = this.queue.then(() => this.apply(next));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(next: RoutingTable): Promise<void> {
    if (this.closing !== null) throw new ApplyError('proxy is closed');
    await this.started;
    const gen = this.gen + 1;
    const changed = next.listeners.filter((l) => this.served.get(l.key)?.listener !== l);
    const slots = changed.map((l) => [l.key, this.allocSlot()] as const);
    const sockets = new Set(next.listeners.map(socketOf)).size;
    // The descriptor limit as it is now (it can be raised or lowered while running) decides how many workers bind each new socket.
    const fdLimit = freeDescriptors();
    const copies = copiesFor(this.opts.workers, sockets, fdLimit);
    if (copies < this.opts.workers && !this.copiesWarned) {
      this.copiesWarned = true;
      this.log.warn({ workers: this.opts.workers, sockets, copies, fdLimit }, 'descriptor limit: each new listener is bound by fewer workers than run');
    }
    const delta: TableDelta = { order: next.listeners.map((l) => l.key), changed, slots, ports: this.portsOf(next), copies };
    const prepared: Member[] = [];
    try {
      // A new port-0 listener: the first worker binds it where the kernel says, then the others join
      // that port. Otherwise (Gateway ports are fixed) every worker prepares at once.
      const [first, ...rest] = this.members;
      const needsPort = next.listeners.some((l) => l.port === 0 && !this.bound.has(l.key));
      let bound: readonly BoundAddress[] = [];
      let withPorts = delta;
      if (needsPort) {
        bound = await this.prepareOn(first!, gen, delta);
        prepared.push(first!);
        withPorts = { ...delta, ports: [...delta.ports, ...bound.filter((b) => b.port === 0).map((b) => [b.key, b.boundPort] as const)] };
      }
      const results = await Promise.allSettled((needsPort ? rest : this.members).map(async (m) => {
        const b = await this.prepareOn(m, gen, withPorts);
        bound = [...bound, ...b];
        prepared.push(m);
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      await this.opts.beforeFlip?.();
      if (this.closing !== null) throw new ApplyError('proxy is closed');
      flipGeneration(this.mem, gen);
      for (const m of this.members) this.post(m, { type: 'commit', gen });
      for (const b of bound) if (!this.bound.has(b.key)) this.bound.set(b.key, b);
    } catch (err) {
      await Promise.all(prepared.map((m) => this.request(m, { type: 'abort', gen }, (r) => r.type === 'aborted' && r.gen === gen).catch(() => undefined)));
      for (const [, slot] of slots) this.freeSlot(slot);
      throw err instanceof ApplyError ? err : new ApplyError(`workers: ${(err as Error).message}`);
    }
    this.gen = gen;
    const keep = new Map<string, { listener: Listener; slot: number }>();
    const slotOf = new Map(slots);
    for (const l of next.listeners) keep.set(l.key, slotOf.has(l.key) ? { listener: l, slot: slotOf.get(l.key)! } : this.served.get(l.key)!);
    for (const [key, s] of this.served) {
      if (keep.get(key)?.slot !== s.slot) this.freeSlot(s.slot);
      if (!keep.has(key)) this.bound.delete(key);
    }
    this.served = keep;
    this.committed = next;
    // Resolved once every worker reports the new table, so /status shows what serves.
    await this.refresh();
  }

  /** [key, bound port] of the listeners of `next` bound on a port the kernel chose. */
  private portsOf(next: RoutingTable): (readonly [string, number])[] {
    return next.listeners.flatMap((l) => {
      const b = this.bound.get(l.key);
      return l.port === 0 && b !== undefined ? [[l.key, b.boundPort] as const] : [];
    });
  }

  private allocSlot(): number {
    const slot = this.freeSlots.pop() ?? (this.nextSlot <= ROUTE_SLOTS ? this.nextSlot++ : 0);
    if (slot === 0 && !this.slotsWarned) {
      this.slotsWarned = true;
      this.log.warn({ routes: ROUTE_SLOTS }, 'more routes than shared pick counters: the rest pick per worker (weights exact per worker, not across)');
    }
    if (slot > 0) resetSlot(this.mem, slot);
    return slot;
  }

  private freeSlot(slot: number): void {
    if (slot > 0) this.freeSlots.push(slot);
  }

  private async prepareOn(m: Member, gen: number, delta: TableDelta): Promise<readonly BoundAddress[]> {
    const r = await this.request(m, { type: 'prepare', gen, delta }, (x) => (x.type === 'prepared' || x.type === 'failed') && x.gen === gen);
    if (r.type === 'failed') throw new ApplyError(r.message, r.address, r.port);
    return r.type === 'prepared' ? r.bound : [];
  }

  /** Fresh counters from every worker. */
  async refresh(): Promise<void> {
    await Promise.all(this.members.map((m) => this.request(m, { type: 'stats' }, (r) => r.type === 'stats').catch(() => undefined)));
  }

  private post(m: Member, msg: ToWorker): void {
    if (!m.exited) m.worker.postMessage(msg);
  }

  private request(m: Member, msg: ToWorker, match: (r: FromWorker) => boolean): Promise<FromWorker> {
    if (m.exited) return Promise.reject(new ApplyError(`worker ${m.index} has exited`));
    return new Promise((resolve, reject) => {
      m.waiters.push({ match, resolve, reject });
      m.worker.postMessage(msg);
    });
  }

  private spawn(index: number): Promise<void> {
    const statsMs = this.opts.statsMs ?? 200;
    const max = this.opts.maxConnections;
    const worker = spawnDataWorker({
      index, workers: this.opts.workers, mem: this.mem, level: this.opts.logger.level, statsMs,
      ...(max !== undefined ? { maxConnections: Math.ceil(max / this.opts.workers) } : {}),
    });
    const m: Member = { index, worker, log: this.opts.logger.child({ worker: index }), stats: null, waiters: [], exited: false };
    this.members[index] = m;
    worker.on('message', (r: FromWorker) => this.onMessage(m, r));
    worker.on('error', (err) => this.log.error({ worker: index, err: err.message }, 'data-plane worker failed: its open connections are lost'));
    worker.on('exit', (code) => this.onExit(m, code));
    return new Promise((resolve, reject) => {
      m.waiters.push({ match: (r) => r.type === 'ready', resolve: () => resolve(), reject });
    });
  }

  private onMessage(m: Member, r: FromWorker): void {
    if (r.type === 'log') {
      relay(m.log, r.line);
      return;
    }
    if (r.type === 'stats' || r.type === 'closed') m.stats = { counters: r.counters, activity: r.activity };
    const i = m.waiters.findIndex((w) => w.match(r));
    if (i >= 0) m.waiters.splice(i, 1)[0]!.resolve(r);
  }

  private onExit(m: Member, code: number): void {
    m.exited = true;
    for (const w of m.waiters.splice(0)) w.reject(new ApplyError(`worker ${m.index} exited (code ${code})`));
    if (this.closing !== null || this.members[m.index] !== m) return;
    if (m.stats !== null) this.retired.push(gone(m.stats.counters));
    this.log.error({ worker: m.index, code }, 'data-plane worker exited: its open connections are lost; starting another');
    const run = this.queue.then(() => this.replace(m.index));
    this.queue = run.catch((err: unknown) => this.log.error({ worker: m.index, err: (err as Error).message }, 'data-plane worker could not be replaced: serving on the others'));
  }

  /** A new worker in place of a dead one, serving the live table (its routes' pick counters go on). */
  private async replace(index: number): Promise<void> {
    if (this.closing !== null) return;
    await this.spawn(index);
    const m = this.members[index]!;
    const delta: TableDelta = {
      order: this.committed.listeners.map((l) => l.key), changed: this.committed.listeners,
      slots: [...this.served].map(([key, s]) => [key, s.slot] as const), ports: [...this.bound.values()].map((b) => [b.key, b.boundPort] as const),
      copies: copiesFor(this.opts.workers, this.bound.size, freeDescriptors()),
    };
    await this.prepareOn(m, this.gen, delta);
    this.post(m, { type: 'commit', gen: this.gen });
    await this.request(m, { type: 'stats' }, (r) => r.type === 'stats');
    this.log.info({ worker: index, listeners: delta.order.length }, 'data-plane worker replaced');
  }

  /** Stops accepting on every worker, drains each for up to `drainTimeoutMs`, then ends every thread. */
  close(drainTimeoutMs = 30_000): Promise<void> {
    this.closing ??= this.shutdown(drainTimeoutMs);
    return this.closing;
  }

  private async shutdown(drainTimeoutMs: number): Promise<void> {
    await this.queue;
    await this.started.catch(() => undefined);
    await Promise.all(this.members.map((m) => this.request(m, { type: 'close', drainMs: drainTimeoutMs }, (r) => r.type === 'closed').catch(() => undefined)));
    await Promise.all(this.members.map((m) => m.worker.terminate()));
    this.bound.clear();
    this.committed = EMPTY;
    this.log.info('data-plane workers stopped');
  }

  /** The listeners bound now (on every worker), in table order. */
  listeners(): BoundAddress[] {
    return this.committed.listeners.flatMap((l) => {
      const b = this.bound.get(l.key);
      return b === undefined ? [] : [{ key: b.key, address: b.address, port: l.port, boundPort: b.boundPort }];
    });
  }

  /** The live table with every worker's counts added up (as of each worker's last report; built when asked). */
  snapshot(): ProxySnapshot {
    return snapshotFrom(this.committed, this.bound, this.counters(), this.members.flatMap((m) => (m.stats !== null && !m.exited ? [m.stats.activity] : [])));
  }

  /** Every worker's counters added up, including those of workers that died. */
  counters(): CountersSnapshot {
    return sumCounters([...this.members.flatMap((m) => (m.stats !== null && !m.exited ? [m.stats.counters] : [])), ...this.retired]);
  }

  /** Connections each running worker has accepted (as of its last report): how the kernel spread them. */
  acceptedPerWorker(): number[] {
    return this.members.filter((m) => !m.exited).map((m) => m.stats?.counters.accepted ?? 0);
  }

  /** Ends worker `index` at once, as a crash would (tests, the bench): it is logged and replaced. */
  async terminateWorker(index: number): Promise<void> {
    await this.members[index]?.worker.terminate();
  }

  /** Worker threads running now. */
  get workers(): number {
    return this.members.filter((m) => !m.exited).length;
  }
}

/** Descriptors this process may still open (the soft limit less those open now), null when unknown. */
function freeDescriptors(): number | null {
  const limit = openFileLimit();
  if (limit === null) return null;
  try {
    return Math.max(0, limit - readdirSync('/proc/self/fd').length);
  } catch {
    return limit;
  }
}

/** A dead worker's totals, with nothing open any more. */
function gone(c: CountersSnapshot): CountersSnapshot {
  return {
    ...c, active: 0,
    destinations: c.destinations.map((d) => ({ ...d, active: 0 })),
    endpoints: c.endpoints.map((e) => ({ ...e, active: 0, ejected: false })),
  };
}

/** The levels a worker's line may carry; anything else is written at info. */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Writes a worker's log line with the instance's logger. */
function relay(log: Logger, line: string): void {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const { level, msg, ...rest } = rec;
  const label = typeof level === 'number' ? pino.levels.labels[level] : undefined;
  const name = LEVELS.find((l) => l === label) ?? 'info';
  log[name](rest, typeof msg === 'string' ? msg : undefined);
}

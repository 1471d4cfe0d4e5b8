/**
 * The atomic table holder. `swap()` builds the new runtime, binds the listeners the new table adds,
 * then makes it live with one assignment and closes the listeners it drops. Each accepted connection
 * reads `active` once, at accept time, and keeps what it picked until it ends.
 */
import type * as net from 'node:net';
import type { Logger } from 'pino';
import type { Rng } from '../balance';
import { ApplyError } from '../errors';
import type { RoutingTable } from '../model/types';
import { Counters, type CountersSnapshot } from './counters';
import { bindListener, BindFailure, closeListener, type BoundListener } from './listeners';
import { Connection, type ConnectionHost } from './pipe';
import { buildRuntime, EMPTY_RUNTIME, type TableRuntime } from './runtime';
import { snapshotOf, type ProxySnapshot } from './snapshot';

export interface ProxyOptions {
  readonly logger: Logger;
  /** Client connections the proxy holds at most, over all listeners; more are closed at once. */
  readonly maxConnections?: number;
  /** Randomness for the RANDOM and large LEAST_REQUEST pickers (tests inject a seeded one). */
  readonly rng?: Rng;
}

/** What is bound now. */
export interface BoundInfo {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly boundPort: number;
}

export class Proxy {
  private readonly log: Logger;
  /** What connections see of the proxy. */
  private readonly host: ConnectionHost;
  private active: TableRuntime = EMPTY_RUNTIME;
  /** A table being bound: connections on its new listeners wait here until it is live. */
  private pending: TableRuntime | null = null;
  private readonly held: { key: string; socket: net.Socket }[] = [];
  private readonly bound = new Map<string, BoundListener>();
  private readonly conns = new Set<Connection>();
  private readonly stats = new Counters();
  private readonly retiring = new Set<Promise<void>>();
  private readonly drainWaiters: (() => void)[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly maxConnections: number | undefined;
  private readonly rng: Rng;

  constructor(opts: ProxyOptions) {
    if (opts.maxConnections !== undefined && (!Number.isInteger(opts.maxConnections) || opts.maxConnections < 0)) {
      throw new RangeError(`maxConnections must be an integer >= 0, got ${opts.maxConnections}`);
    }
    this.log = opts.logger.child({ component: 'proxy' });
    this.host = { log: this.log, release: (c) => this.release(c) };
    this.maxConnections = opts.maxConnections;
    this.rng = opts.rng ?? Math.random;
  }

  /** The table serving new connections now. */
  get table(): RoutingTable {
    return this.active.table;
  }

  /**
   * Makes `next` live. Rejects with ApplyError (the old table keeps serving, untouched) when its
   * runtime cannot be built or one of its new listeners cannot be bound. Swaps run one at a time.
   */
  swap(next: RoutingTable): Promise<void> {
    const run = this.queue.then(() => this.apply(next));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(next: RoutingTable): Promise<void> {
    if (this.closing !== null) throw new ApplyError('proxy is closed');
    const runtime = buildRuntime(next, this.stats, this.rng);
    const added = next.listeners.filter((l) => !this.bound.has(l.key));
    this.pending = runtime;
    let results: PromiseSettledResult<BoundListener>[];
    try {
      results = await Promise.allSettled(added.map((l) => bindListener(l.key, l.address, l.port, this.acceptor(l.key))));
    } finally {
      this.pending = null;
    }
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0 || this.closing !== null) {
      this.releaseHeld(null);
      await Promise.all(ok.map((b) => closeListener(b.server)));
      if (failures.length === 0) throw new ApplyError('proxy is closed');
      throw toApplyError(failures);
    }
    for (const b of ok) {
      b.server.on('error', (err) => this.log.warn({ listener: b.key, err: err.message }, 'listener error'));
      this.bound.set(b.key, b);
    }
    this.active = runtime;
    const removed: string[] = [];
    for (const [key, b] of this.bound) {
      if (runtime.listeners.has(key)) continue;
      this.bound.delete(key);
      removed.push(key);
      const p = closeListener(b.server).then(() => {
        this.retiring.delete(p);
      });
      this.retiring.add(p);
    }
    this.releaseHeld(runtime);
    this.log.info(
      { listeners: next.listeners.length, added: ok.map((b) => b.key), removed },
      'routing table swapped',
    );
  }

  /** One handler per listener socket: it carries the listener key. */
  private acceptor(key: string): (socket: net.Socket) => void {
    return (socket) => this.accept(key, socket);
  }

  private accept(key: string, socket: net.Socket): void {
    const rt = this.active.listeners.get(key);
    if (rt === undefined) {
      if (this.pending?.listeners.has(key) === true) {
        socket.on('error', ignore);
        this.held.push({ key, socket });
      } else {
        socket.destroy();
      }
      return;
    }
    this.stats.accepted++;
    if (this.closing !== null || (this.maxConnections !== undefined && this.conns.size >= this.maxConnections)) {
      this.stats.rejected++;
      socket.destroy();
      return;
    }
    const dr = rt.destinations[rt.picker.pick()]!;
    const limit = dr.destination.policy.maxConnections;
    if (limit !== null && dr.counter.active >= limit) {
      dr.counter.rejected++;
      this.stats.rejected++;
      socket.destroy();
      return;
    }
    const c = new Connection(this.host, socket, dr);
    this.conns.add(c);
    this.stats.active = this.conns.size;
    c.start();
  }

  /** Hands sockets accepted while their table was binding to that table, or closes them. */
  private releaseHeld(rt: TableRuntime | null): void {
    const held = this.held.splice(0);
    for (const { key, socket } of held) {
      if (rt === null || socket.destroyed) socket.destroy();
      else this.accept(key, socket);
    }
  }

  /** A connection has ended. */
  private release(c: Connection): void {
    this.conns.delete(c);
    this.stats.active = this.conns.size;
    if (this.conns.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /**
   * Stops accepting on every listener, waits up to `drainTimeoutMs` for open connections to end,
   * destroys the rest; resolves when every socket is closed. Later swaps reject.
   */
  close(drainTimeoutMs = 30_000): Promise<void> {
    this.closing ??= this.shutdown(drainTimeoutMs);
    return this.closing;
  }

  private async shutdown(drainTimeoutMs: number): Promise<void> {
    await this.queue;
    const closes = [...this.bound.values()].map((b) => closeListener(b.server));
    this.bound.clear();
    this.active = EMPTY_RUNTIME;
    this.log.info({ connections: this.conns.size, drainTimeoutMs }, 'proxy draining');
    if (!(await this.drained(Math.max(0, drainTimeoutMs)))) {
      this.log.warn({ connections: this.conns.size }, 'drain timeout: closing remaining connections');
      for (const c of this.conns) c.destroy();
      await this.drained(null);
    }
    await Promise.all([...closes, ...this.retiring]);
    this.log.info('proxy closed');
  }

  /** Resolves true once no connection is open, false after `timeoutMs` (null = no limit). */
  private drained(timeoutMs: number | null): Promise<boolean> {
    if (this.conns.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(done);
      if (timeoutMs !== null) {
        timer = setTimeout(() => {
          const i = this.drainWaiters.indexOf(done);
          if (i >= 0) this.drainWaiters.splice(i, 1);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /** The listeners bound now, in bind order. */
  listeners(): BoundInfo[] {
    return [...this.bound.values()].map((b) => ({ key: b.key, address: b.address, port: b.port, boundPort: b.boundPort }));
  }

  /** Listeners, routes, destinations and endpoints of the live table, with connection counts. */
  snapshot(): ProxySnapshot {
    return snapshotOf(this.active, this.bound, this.conns.size);
  }

  /** Every counter, including those of destinations no longer in the table. */
  counters(): CountersSnapshot {
    return this.stats.snapshot();
  }
}

function ignore(): void {}

function toApplyError(failures: unknown[]): ApplyError {
  const first = failures[0];
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  if (first instanceof BindFailure) return new ApplyError(`${first.message}${more}`, first.address, first.port);
  return new ApplyError(`cannot bind listeners: ${String(first)}${more}`);
}

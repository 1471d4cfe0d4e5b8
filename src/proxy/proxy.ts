/**
 * The atomic table holder. `swap()` builds the new runtime, binds the listeners the new table adds,
 * then makes it live with one assignment and closes the listeners it drops. Each accepted connection
 * reads `active` once, at accept time, and keeps what it picked until it ends.
 */
import type { Logger } from 'pino';
import { addressHash, type Rng } from '../balance';
import { ApplyError } from '../errors';
import type { RoutingTable } from '../model/types';
import { Counters, type CountersSnapshot } from './counters';
import { LocalErrors } from './local-errors';
import { nativeBinding, nativeLoadError } from './native/binding';
import { nativeTransport } from './native/transport';
import type { AcceptContext, ConnectionHost, ProxiedConnection, RoutedConnection } from './routed';
import { PREAMBLE_TIMEOUT_MS } from './preamble/client-hello';
import { PreambleGate, type Read } from './preamble/gate';
import { buildRuntime, EMPTY_RUNTIME, type ListenerRuntime, type RoutePickerFactory, type TableRuntime } from './runtime';
import { Sweeper } from './sweep';
import { jsTransport } from './js/transport';
import { BindFailure, type BoundAddress, type BoundListener, type Preface, type Transport } from './transport';
import { snapshotOf, type ProxySnapshot } from './snapshot';
import { activityOf, type ListenerActivity } from './workers/activity';

export interface ProxyOptions {
  readonly logger: Logger;
  /** Client connections the proxy holds at most, over all listeners; more are closed at once. */
  readonly maxConnections?: number;
  /** Randomness for the RANDOM and large LEAST_REQUEST pickers (tests inject a seeded one). */
  readonly rng?: Rng;
  /**
   * Who moves the bytes: the native addon when it is built (default `auto`), or Node sockets
   * (`js`). `native` throws when the addon is not available.
   */
  readonly dataPath?: 'auto' | 'native' | 'js';
  /** How long a client may take to send its PROXY header and ClientHello (default PREAMBLE_TIMEOUT_MS; tests shorten it). */
  readonly preambleTimeoutMs?: number;
  /** Data-plane workers (src/proxy/workers/): listen with SO_REUSEPORT, so every worker binds each listener. */
  readonly reusePort?: boolean;
  /** Builds each changed listener's subset picker (workers: one sequence shared by all of them); default a SmoothWeightedPicker. */
  readonly routePicker?: RoutePickerFactory;
  /** Whether this proxy binds listening socket `key` (workers: placement.ts spreads sockets when descriptors are short); default every one. */
  readonly bindsSocket?: (key: string, port: number) => boolean;
  /** Called before each accepted connection reads the live table (workers: adopt a table the pool has flipped to). */
  readonly beforeAccept?: () => void;
}

/** A table bound but not yet live (see TcpProxy.prepare): `commit` makes it live, `abort` drops it. */
export interface PreparedSwap {
  /** The listeners it bound (new in this table). */
  readonly bound: readonly BoundAddress[];
  commit(): void;
  abort(): Promise<void>;
}


/** What is bound now. */
export type BoundInfo = BoundAddress;

export class TcpProxy {
  private readonly log: Logger;
  /** What connections see of the proxy. */
  private readonly host: ConnectionHost;
  private active: TableRuntime = EMPTY_RUNTIME;
  /** A table being bound: connections on its new listeners wait here until it is live. */
  private pending: TableRuntime | null = null;
  private readonly held: { key: string; client: unknown }[] = [];
  private readonly bound = new Map<string, BoundListener>();
  private readonly conns = new Set<RoutedConnection>();
  /** Filled in for each connection just before transport.connect (see AcceptContext). */
  private readonly accepting: AcceptContext = { listener: '', hash: undefined, now: 0, client: null };
  private readonly sweeper: Sweeper;
  private hashWarned = false;
  private readonly transport: Transport;
  private readonly stats = new Counters();
  private readonly retiring = new Set<Promise<void>>();
  private readonly drainWaiters: (() => void)[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly maxConnections: number | undefined;
  private readonly rng: Rng;
  private readonly acceptErrors: LocalErrors;
  /** Reads PROXY headers and ClientHellos before routing. */
  private readonly gate: PreambleGate;
  private readonly isClosing = (): boolean => this.closing !== null;
  private readonly routeRead = (entry: ListenerRuntime, client: unknown, read: Read): void => this.route(entry, client, read);
  private readonly reusePort: boolean;
  private readonly routePicker: RoutePickerFactory | undefined;
  private readonly beforeAccept: (() => void) | undefined;
  private readonly bindsSocket: (key: string, port: number) => boolean;

  constructor(opts: ProxyOptions) {
    if (opts.maxConnections !== undefined && (!Number.isInteger(opts.maxConnections) || opts.maxConnections < 0)) {
      throw new RangeError(`maxConnections must be an integer >= 0, got ${opts.maxConnections}`);
    }
    this.log = opts.logger.child({ component: 'proxy' });
    const localConnect = new LocalErrors(this.stats.localConnectErrors, this.log, 'connect failed here, not at the endpoint');
    this.acceptErrors = new LocalErrors(this.stats.acceptErrors, this.log, 'accept failed: connections shed');
    this.host = { log: this.log, release: (c) => this.release(c), accepting: this.accepting, localConnectError: (code, endpoint) => localConnect.record(code, 1, { endpoint }) };
    this.maxConnections = opts.maxConnections;

    this.rng = opts.rng ?? Math.random;
    this.reusePort = opts.reusePort === true;
    this.routePicker = opts.routePicker;
    this.beforeAccept = opts.beforeAccept;
    this.bindsSocket = opts.bindsSocket ?? (() => true);
    this.transport = chooseTransport(opts.dataPath ?? 'auto');
    this.gate = new PreambleGate(this.transport, this.stats, this.log, opts.preambleTimeoutMs ?? PREAMBLE_TIMEOUT_MS);
    this.sweeper = new Sweeper({ log: this.log, conns: this.conns, runtime: () => this.active });
    this.log.debug({ dataPath: this.transport.name, ...(this.transport.name === 'js' ? { why: nativeLoadError() } : {}) }, 'data path');
  }

  /** `native` when the addon moves the bytes, `js` when Node sockets do. */
  get dataPath(): 'native' | 'js' {
    return this.transport.name;
  }

  /** The table serving new connections now. */
  get table(): RoutingTable {
    return this.active.table;
  }

  /**
   * Makes `next` live. Rejects with ApplyError (the old table keeps serving, untouched) when its
   * runtime cannot be built or one of its new listeners cannot be bound. Swaps run one at a time.
   * Listeners `next` shares (by identity) with the live table keep their runtime: installing costs
   * O(what changed) plus one pass over the keys.
   */
  swap(next: RoutingTable): Promise<void> {
    const run = this.queue.then(async () => (await this.bindNext(next)).commit());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The first half of `swap`, for the data-plane workers' swap across threads: builds the runtime of
   * `next` and binds its new listeners (at `ports` where given: the port another worker bound for a
   * port-0 listener), without making it live; rejects as `swap` does. Later swaps wait until it is
   * committed or aborted.
   */
  prepare(next: RoutingTable, ports?: ReadonlyMap<string, number>): Promise<PreparedSwap> {
    const run = this.queue.then(() => this.bindNext(next, ports));
    let settle = (): void => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.queue = run.then(() => settled, () => undefined);
    return run.then((p) => ({
      bound: p.bound,
      commit: () => {
        p.commit();
        settle();
      },
      abort: () => p.abort().finally(settle),
    }));
  }

  private async bindNext(next: RoutingTable, ports?: ReadonlyMap<string, number>): Promise<PreparedSwap> {
    if (this.closing !== null) throw new ApplyError('proxy is closed');
    const runtime = buildRuntime(next, this.stats, this.rng, this.active, this.routePicker);
    const added = [...runtime.sockets.values()].filter((l) => !this.bound.has(l.key) && this.bindsSocket(l.key, l.port));
    this.pending = runtime;
    const bindOptions = { reusePort: this.reusePort };
    const results = await Promise.allSettled(added.map((l) =>
      this.transport.bind(l.key, l.address, ports?.get(l.key) ?? l.port, this.acceptor(l.key), this.onListenerError(l.key), bindOptions)));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const abort = async (): Promise<void> => {
      this.pending = null;
      this.releaseHeld(null);
      await Promise.all(ok.map((b) => b.close()));
    };
    if (failures.length > 0 || this.closing !== null) {
      await abort();
      if (failures.length === 0) throw new ApplyError('proxy is closed');
      throw toApplyError(failures);
    }
    return { bound: ok.map((b) => ({ key: b.key, address: b.address, port: b.port, boundPort: b.boundPort })), commit: () => this.commit(next, runtime, ok), abort };
  }

  private commit(next: RoutingTable, runtime: TableRuntime, ok: readonly BoundListener[]): void {
    this.pending = null;
    for (const b of ok) this.bound.set(b.key, b);
    this.active = runtime;
    this.sweeper.start(next);
    const removed: string[] = [];
    for (const [key, b] of this.bound) {
      if (runtime.sockets.has(key)) continue;
      this.bound.delete(key);
      removed.push(key);
      const p = b.close().then(() => {
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
  private acceptor(key: string): (client: unknown) => void {
    return (client) => this.accept(key, client);
  }

  private onListenerError(key: string): (err: Error) => void {
    // Accept errors: counted per errno name (with how many waiting connections were shed), warned at most once a second.
    return (err) => {
      const e = err as Error & { code?: string; shed?: number };
      this.acceptErrors.record(e.code ?? 'EUNKNOWN', e.shed !== undefined && e.shed > 0 ? e.shed : 1, { listener: key, err: err.message });
    };
  }

  /** A client accepted on socket `key`: routed now, or once its preamble (PROXY header, ClientHello) is read. */
  private accept(key: string, client: unknown): void {
    this.beforeAccept?.();
    const sock = this.active.sockets.get(key);
    if (sock === undefined) {
      if (this.pending?.sockets.has(key) === true) {
        this.transport.hold(client);
        this.held.push({ key, client });
      } else {
        this.transport.reject(client);
      }
      return;
    }
    this.stats.accepted++;
    if (this.closing !== null) {
      this.stats.rejected++;
      this.transport.reject(client);
      return;
    }
    if (sock.sni === null && !sock.acceptProxy) this.route(sock.entry!, client, null);
    else this.gate.read(sock, client, this.isClosing, this.routeRead);
  }

  /** Gives `client` a destination of entry `rt` and hands it to the data path (`read`: its preamble, if one was read). */
  private route(rt: ListenerRuntime, client: unknown, read: Read | null): void {
    // Picked first, so a connection over either cap counts as rejected by the destination it was given.
    const hash = rt.hashes ? (read?.source != null ? addressHash(read.source.address) : this.clientHash(client)) : undefined;
    const dr = rt.destinations[rt.sticky !== null && hash !== undefined ? rt.sticky.pick(hash) : rt.picker.pick()]!;
    rt.observed.record(dr.observedId);
    const limit = dr.destination.policy.maxConnections;
    if ((this.maxConnections !== undefined && this.conns.size >= this.maxConnections) || (limit !== null && dr.counter.active >= limit)) {
      dr.counter.rejected++;
      this.stats.rejected++;
      this.transport.reject(client);
      return;
    }
    const version = dr.destination.policy.proxyProtocol;
    const prefix = version === null ? null : this.gate.outgoingHeader(version, client, read);
    const preface: Preface | undefined = read === null && prefix === null ? undefined : { read: read?.bytes ?? EMPTY, discard: read?.discard ?? 0, prefix };
    // Never released synchronously: a connection that fails at once reports it from the event loop.
    this.accepting.listener = rt.listener.key;
    this.accepting.hash = hash;
    this.accepting.now = performance.now();
    this.accepting.client = read?.source?.address ?? null;
    const c = this.transport.connect(this.host, client, dr, preface);
    this.conns.add(c);
    this.stats.active = this.conns.size;
  }

  /** The client address hash, or undefined (warned once) when this data path does not know the address. */
  private clientHash(client: unknown): number | undefined {
    const address = this.transport.address?.(client) ?? null;
    if (address !== null) return addressHash(address);
    if (!this.hashWarned) {
      this.hashWarned = true;
      this.log.warn({ dataPath: this.transport.name }, 'client address unknown: stickiness sourceIP and consistentHash.useSourceIp fall back to weighted round robin');
    }
    return undefined;
  }

  /** Hands sockets accepted while their table was binding to that table, or closes them. */
  private releaseHeld(rt: TableRuntime | null): void {
    const held = this.held.splice(0);
    for (const { key, client } of held) {
      if (rt === null || this.transport.gone(client)) this.transport.reject(client);
      else this.accept(key, client);
    }
  }

  /** A connection has ended. */
  private release(c: ProxiedConnection): void {
    this.conns.delete(c as RoutedConnection);
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
    const closes = [...this.bound.values()].map((b) => b.close());
    this.bound.clear();
    this.gate.rejectAll();
    this.active = EMPTY_RUNTIME;
    this.log.info({ connections: this.conns.size, drainTimeoutMs }, 'proxy draining');
    if (!(await this.drained(Math.max(0, drainTimeoutMs)))) {
      this.log.warn({ connections: this.conns.size }, 'drain timeout: closing remaining connections');
      for (const c of this.conns) c.destroy();
      await this.drained(null);
    }
    await Promise.all([...closes, ...this.retiring]);
    this.sweeper.stop();
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
    return snapshotOf(this.active, this.bound, this.conns, this.stats);
  }

  /** Per listener that has seen or holds connections: observed and open per destination (what data-plane workers report). */
  activity(): ListenerActivity[] {
    return activityOf(this.active, this.conns);
  }

  /** Every counter, including those of destinations no longer in the table. */
  counters(): CountersSnapshot {
    return this.stats.snapshot();
  }
}

/** The transport `dataPath` asks for; throws when `native` is asked for and the addon is not there. */
function chooseTransport(dataPath: 'auto' | 'native' | 'js'): Transport {
  if (dataPath === 'js') return jsTransport;
  const binding = nativeBinding();
  if (binding !== null) return nativeTransport(binding);
  if (dataPath === 'native') throw new Error(`the native data path is not available: ${nativeLoadError() ?? 'not built'}`);
  return jsTransport;
}

const EMPTY = new Uint8Array(0);

function toApplyError(failures: unknown[]): ApplyError {
  const first = failures[0];
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  if (first instanceof BindFailure) return new ApplyError(`${first.message}${more}`, first.address, first.port);
  return new ApplyError(`cannot bind listeners: ${String(first)}${more}`);
}

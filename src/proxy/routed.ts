/**
 * What every proxied connection does whatever moves its bytes (Node sockets in js/pipe.ts, the
 * native addon in native/transport.ts): pick an endpoint of its destination, fall over to another after a
 * failed connect (bounded, skipping ejected ones), and keep the counters and outlier state.
 */
import type { Logger } from 'pino';
import type { Skip } from '../balance';
import { isLocalConnectError } from './local-errors';
import { recordConnectFailure, recordConnectSuccess } from './outlier';
import type { DestinationRuntime } from './runtime';

/** What a connection needs from the proxy that owns it. */
export interface ConnectionHost {
  readonly log: Logger;
  /** Called once, when both legs are closed. */
  release(c: ProxiedConnection): void;
  /** A dial failed for a reason of this host (EMFILE …): counted and logged, rate-limited. */
  localConnectError(code: string, endpoint: string): void;
  /**
   * The connection being accepted right now: the proxy fills it in just before `transport.connect`
   * (which constructs the connection synchronously), so every data path gets it without an argument.
   */
  readonly accepting: AcceptContext;
}

/** Where and when a connection was accepted. */
export interface AcceptContext {
  /** Key of the listener that accepted it. */
  listener: string;
  /** Client address hash (src/balance/sticky.ts), or undefined when unknown or not needed. */
  hash: number | undefined;
  /** Monotonic ms (performance.now()) at accept. */
  now: number;
  /** The client's address as an inbound PROXY header gave it (null: none was read; the socket's peer is the client). */
  client: string | null;
}

/** A connection as the proxy holds it. */
export interface ProxiedConnection {
  /** Closes both legs at once (drain timeout, shutdown). */
  destroy(): void;
}

/** Endpoint choice, failover and accounting of one client connection. */
export abstract class RoutedConnection implements ProxiedConnection {
  /** Index of the endpoint being dialled or connected; -1 before the first dial. */
  protected endpoint = -1;
  /** True from the upstream connect until the end. */
  protected open = false;
  /** True while an endpoint is being dialled (its `active` count includes this connection). */
  protected dialling = false;
  private attempts = 0;
  private tried: number[] | null = null;
  private skipTried: Skip | null = null;
  private finished = false;
  /** Key of the listener that accepted it (kept when a swap removes that listener). */
  readonly listenerKey: string;
  /** Monotonic ms at accept. */
  readonly since: number;
  /** Client address hash for SOURCE_IP_HASH endpoint picks; undefined when unknown. */
  readonly hash: number | undefined;
  /** The client's address from an inbound PROXY header (what logs show); null when none was read. */
  readonly clientAddress: string | null;
  /** Sweep bookkeeping (src/proxy/sweep.ts): the activity() total last seen, and when it was seen to change. */
  seenActivity = -1;
  activeAt: number;
  /** Monotonic ms at which shut() was called; -1 before. */
  shutAt = -1;

  constructor(protected readonly host: ConnectionHost, protected readonly dest: DestinationRuntime) {
    const ctx = host.accepting;
    this.listenerKey = ctx.listener;
    this.since = ctx.now;
    this.activeAt = ctx.now;
    this.hash = ctx.hash;
    this.clientAddress = ctx.client;
  }

  abstract destroy(): void;

  /** The destination it was given at accept (it keeps it across swaps, even if the table drops it). */
  get destination(): DestinationRuntime {
    return this.dest;
  }

  /** True from the upstream connect until the end. */
  get established(): boolean {
    return this.open;
  }

  /**
   * A number that changes whenever bytes move either way, read without a syscall (bytes moved on the
   * JS path, the last-activity stamp on the native one); null when the data path cannot tell.
   */
  abstract activity(): number | null;

  /** True while bytes wait to be written on either leg. */
  abstract pending(): boolean;

  /**
   * Closes the connection the gentle way (maxConnectionDuration, rebalancing, drain): what was read
   * is written, then both halves get a FIN and later input is dropped. With `onlyIfQuiet` (idle
   * closes) it does nothing and returns false while bytes are owed or wait unread in the kernel;
   * otherwise true.
   */
  abstract shut(onlyIfQuiet: boolean): boolean;

  /** `{ client }` for a debug log line when a PROXY header named the client. */
  protected clientField(): { client?: string } {
    return this.clientAddress === null ? {} : { client: this.clientAddress };
  }

  /** Counts the connection as assigned to its destination. */
  protected started(): void {
    this.dest.counter.active++;
  }

  /**
   * Picks the endpoint to dial next and counts it as dialled; returns -1 (counted as failed) when
   * the attempts are used up, every endpoint was tried, or `clientGone`.
   */
  protected nextEndpoint(clientGone: boolean): number {
    const d = this.dest;
    let i = -1;
    if (this.attempts < d.maxAttempts && !clientGone) {
      const tried = this.skipTried;
      i = d.picker.pick(tried === null ? d.skipEjected : (k) => tried(k) || d.skipEjected(k), this.hash);
      // Every eligible endpoint ejected: like Envoy's panic mode, ignore ejections.
      if (i < 0) i = d.picker.pick(tried ?? undefined, this.hash);
    }
    if (i < 0) {
      d.counter.failed++;
      if (this.host.log.isLevelEnabled('debug')) this.host.log.debug({ destination: d.destination.key, attempts: this.attempts, ...this.clientField() }, 'no endpoint reachable');
      return -1;
    }
    this.endpoint = i;
    this.attempts++;
    this.dialling = true;
    d.endpoints[i]!.active++;
    return i;
  }

  /** The dialled endpoint answered. */
  protected connectedOk(): void {
    const d = this.dest;
    const state = d.endpoints[this.endpoint]!;
    this.dialling = false;
    this.open = true;
    recordConnectSuccess(state);
    state.opened++;
    d.counter.opened++;
  }

  /**
   * The dialled endpoint failed (refused, reset, timed out): counts it and feeds outlier detection —
   * unless `code` is a local error (out of descriptors, ports or buffers here), which is counted
   * apart and never blamed on the endpoint. Either way the endpoint is not tried again.
   */
  protected connectFailed(code: string | null, message: string | null): void {
    const d = this.dest;
    const state = d.endpoints[this.endpoint]!;
    this.dialling = false;
    state.active--;
    if (isLocalConnectError(code)) {
      this.host.localConnectError(code, state.key);
    } else {
      d.counter.connectFailures++;
      const ejected = recordConnectFailure(state, d.endpoints, d.destination.policy.outlierDetection, Date.now());
      if (this.host.log.isLevelEnabled('debug')) {
        this.host.log.debug({ endpoint: state.key, err: message ?? code ?? 'closed', ejected, ...this.clientField() }, 'connect failed');
      }
    }
    if (this.tried === null) {
      const tried: number[] = [];
      this.tried = tried;
      this.skipTried = (k) => tried.includes(k);
    }
    this.tried.push(this.endpoint);
  }

  /** The client left while an endpoint was being dialled: not the endpoint's fault. */
  protected dialAbandoned(): void {
    if (!this.dialling) return;
    this.dialling = false;
    this.dest.endpoints[this.endpoint]!.active--;
  }

  /**
   * Both legs closed: totals, then the proxy lets go of the connection. `upstreamReset`: the open
   * connection ended because the upstream reset (or failed), which counts it as failed. Idempotent.
   */
  protected finish(bytesReceived: number, bytesSent: number, upstreamReset = false): void {
    if (this.finished) return;
    this.finished = true;
    const d = this.dest;
    if (this.open) {
      const state = d.endpoints[this.endpoint]!;
      state.active--;
      state.closed++;
      state.bytesReceived += bytesReceived;
      state.bytesSent += bytesSent;
      d.counter.closed++;
      d.counter.bytesReceived += bytesReceived;
      d.counter.bytesSent += bytesSent;
      if (upstreamReset) d.counter.failed++;
    }
    d.counter.active--;
    this.host.release(this);
  }
}

/**
 * One client connection on Node sockets (the JavaScript data path): dial an endpoint of the chosen
 * destination (falling over to another on a failed connect), then move bytes both ways with a
 * hand-written data/write/drain pump — measured faster than socket.pipe and stream.pipeline (see
 * bench/RESULTS.md) — with backpressure (a full write pauses the source until the sink drains) and
 * half-close (an end is passed on as end), and a reset passed on as a reset (an error on one leg
 * resets the other, so a client can tell a stream cut short from a complete one). Event handlers
 * are module-level functions that find their Connection through a symbol on the socket, so nothing
 * is allocated per event. Every socket always has an 'error' handler: a reset never crashes the
 * process.
 */
import * as net from 'node:net';
import { unixPath } from '../../model/address';
import type { DestinationRuntime } from '../runtime';
import { RoutedConnection, type ConnectionHost } from '../routed';
import type { Preface } from '../transport';
import { applyKeepalive, finishNow, resetPending, unreadBytes } from './socket-options';

const CONN = Symbol('tcpshift.connection');
type Tagged = net.Socket & { [CONN]?: Connection | undefined };

/** The longest timer Node keeps (2^31 − 1 ms, 24.8 days); longer ones it would cut to this with a warning. */
const TIMER_MAX_MS = 2 ** 31 - 1;

/** A socket timeout for `ms` (0 = none), within what Node's timers hold. */
function timerMs(ms: number): number {
  return ms > TIMER_MAX_MS ? TIMER_MAX_MS : Math.max(0, ms);
}

/** A client connection and its upstream leg, on net.Socket. */
export class Connection extends RoutedConnection {
  private upstream: Tagged | null = null;
  private clientClosed = false;
  private upstreamClosed = false;
  /** The open connection failed on the upstream side (reset, write error): counted as failed. */
  private upstreamFailed = false;

  /** Written to the upstream before the client's bytes (a PROXY header, what a preamble read); null = none. */
  private readonly initial: Buffer | null;
  /** Bytes of an inbound PROXY header, read from the client and never forwarded (not counted as received, as on the native path). */
  private readonly discarded: number;

  constructor(host: ConnectionHost, private readonly client: Tagged, dest: DestinationRuntime, preface?: Preface) {
    super(host, dest);
    this.initial = prefaceBytes(preface);
    this.discarded = preface?.discard ?? 0;
  }

  /** Takes over the client socket and dials the first endpoint. */
  start(): void {
    const c = this.client;
    const policy = this.dest.destination.policy;
    c[CONN] = this;
    c.on('error', onSocketError);
    c.on('close', onClientClose);
    c.on('timeout', onSocketTimeout);
    c.setNoDelay(true);
    if (policy.tcpKeepalive !== null) {
      c.setKeepAlive(true, policy.tcpKeepalive.timeMs);
      applyKeepalive(c, policy.tcpKeepalive, this.host.log);
    }
    if (policy.idleTimeoutMs > 0) c.setTimeout(timerMs(policy.idleTimeoutMs));
    this.started();
    this.dial();
  }

  /** Destroys both sockets at once (drain timeout, errors, idle timeout). */
  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  /** Socket counters, no syscall: what the client sent plus what it was sent (queued bytes included). */
  override activity(): number {
    return this.client.bytesRead + this.client.bytesWritten;
  }

  override pending(): boolean {
    return this.client.writableLength > 0 || (this.upstream !== null && this.upstream.writableLength > 0);
  }

  /**
   * Flushes what was read, then FIN on both legs; bytes that arrive afterwards are dropped (never
   * written after our FIN). The sweep destroys it if the peers do not close within a grace time.
   * With `onlyIfQuiet`, does nothing (false) while bytes wait to be written or unread in the kernel.
   */
  override shut(onlyIfQuiet: boolean): boolean {
    const s = this.upstream;
    if (!this.open || s === null) {
      this.destroy();
      return true;
    }
    if (onlyIfQuiet && (this.pending() || unreadBytes(this.client) > 0 || unreadBytes(s) > 0)) return false;
    for (const leg of [this.client, s]) {
      leg.off('data', onData);
      leg.on('data', discard);
      leg.resume();
      finishNow(leg);
      leg.end();
    }
    return true;
  }

  private dial(): void {
    const i = this.nextEndpoint(this.client.destroyed);
    if (i < 0) {
      this.client.destroy();
      return;
    }
    const ep = this.dest.destination.endpoints[i]!;
    const policy = this.dest.destination.policy;
    const keepalive = policy.tcpKeepalive;
    const path = unixPath(ep.address);
    const s: Tagged = net.connect({
      ...(path !== null ? { path } : { host: ep.address, port: ep.port }),
      allowHalfOpen: true,
      noDelay: true,
      keepAlive: keepalive !== null,
      keepAliveInitialDelay: keepalive?.timeMs ?? 0,
    });
    s[CONN] = this;
    this.upstream = s;
    s.on('connect', onUpstreamConnect);
    s.on('error', onSocketError);
    s.on('close', onUpstreamClose);
    s.on('timeout', onSocketTimeout);
    if (policy.connectTimeoutMs > 0) s.setTimeout(timerMs(policy.connectTimeoutMs));
  }

  /** The upstream answered: start pumping. */
  connected(s: Tagged): void {
    this.connectedOk();
    const policy = this.dest.destination.policy;
    s.setTimeout(timerMs(policy.idleTimeoutMs));
    applyKeepalive(s, policy.tcpKeepalive, this.host.log);
    const c = this.client;
    if (this.initial !== null) s.write(this.initial);
    c.on('data', onData);
    s.on('data', onData);
    c.on('drain', onDrain);
    s.on('drain', onDrain);
    c.on('end', onEnd);
    s.on('end', onEnd);
    if (this.initial !== null) {
      // A preamble read paused the client (and may have seen its end already).
      if (c.readableEnded) s.end();
      else c.resume();
    }
  }

  /** The socket on the other side of `s`. */
  peer(s: Tagged): Tagged {
    return s === this.client ? this.upstream! : this.client;
  }

  /** A dial failed (error, timeout or close before connect): try another endpoint unless the client is gone. */
  attemptFailed(s: Tagged, err: Error | null): void {
    s[CONN] = undefined;
    s.destroy();
    this.upstream = null;
    if (this.client.destroyed) {
      this.dialAbandoned();
      if (this.clientClosed) this.finishSockets();
      return;
    }
    this.connectFailed((err as NodeJS.ErrnoException | null)?.code ?? null, err?.message ?? null);
    this.dial();
  }

  /**
   * Either socket errored or timed out: both go. An error (a reset, a failed write) is passed on
   * as a reset to the other leg; a timeout closes both plainly.
   */
  failed(s: Tagged, err: Error | null): void {
    if (s === this.upstream && !this.open) {
      this.attemptFailed(s, err);
      return;
    }
    if (err === null) {
      this.destroy();
      return;
    }
    if (this.host.log.isLevelEnabled('debug')) this.host.log.debug({ err: err.message }, 'connection error');
    if (s === this.upstream) this.upstreamFailed = true;
    const peer = s === this.client ? this.upstream : this.client;
    s.destroy();
    if (peer === null || peer.destroyed) return;
    // (An upstream still dialling has nothing to reset: it is dropped when the client closes.)
    if (this.open) peer.resetAndDestroy();
    else peer.destroy();
  }

  clientClose(): void {
    this.clientClosed = true;
    const s = this.upstream;
    if (!this.open) {
      if (s !== null) {
        // The client left while we were dialling: not the endpoint's fault.
        s[CONN] = undefined;
        s.destroy();
        this.upstream = null;
        this.dialAbandoned();
      }
      this.finishSockets();
      return;
    }
    if (!cleanlyClosed(this.client)) s?.destroy();
    if (this.upstreamClosed) this.finishSockets();
  }

  upstreamClose(s: Tagged): void {
    if (!this.open) {
      this.attemptFailed(s, null);
      return;
    }
    this.upstreamClosed = true;
    if (!cleanlyClosed(s)) this.client.destroy();
    if (this.clientClosed) this.finishSockets();
  }

  private finishSockets(): void {
    const c = this.client;
    c[CONN] = undefined;
    if (this.upstream !== null) this.upstream[CONN] = undefined;
    this.finish(c.bytesRead - this.discarded, c.bytesWritten, this.upstreamFailed);
  }
}

/** The bytes a preface puts before the client's own: its prefix, then what the preamble read past `discard`. */
function prefaceBytes(p: Preface | undefined): Buffer | null {
  if (p === undefined) return null;
  const rest = p.read.subarray(p.discard);
  if (p.prefix === null) return rest.length === 0 ? Buffer.alloc(0) : Buffer.from(rest);
  return Buffer.concat([p.prefix, rest]);
}

/** Both halves done in order: the peer's FIN was read and ours was flushed. */
function cleanlyClosed(s: net.Socket): boolean {
  return s.readableEnded && s.writableFinished;
}

/** Bytes from one leg go to the other; a full write pauses this leg until the other drains. */
function onData(this: Tagged, chunk: Buffer): void {
  const c = this[CONN];
  if (c !== undefined && !c.peer(this).write(chunk)) this.pause();
}

/** After shut(): what a peer still sends is read (so its FIN is seen) and dropped. */
function discard(): void {}

function onDrain(this: Tagged): void {
  const c = this[CONN];
  if (c !== undefined) c.peer(this).resume();
}

/** Half-close: the peer's FIN is passed on once what was read before it is written — unless it was a reset. */
function onEnd(this: Tagged): void {
  const c = this[CONN];
  if (c === undefined) return;
  const reset = resetPending(this);
  if (reset !== null) c.failed(this, reset);
  else c.peer(this).end();
}

function onUpstreamConnect(this: Tagged): void {
  const c = this[CONN];
  if (c !== undefined) c.connected(this);
}

function onSocketError(this: Tagged, err: Error): void {
  const c = this[CONN];
  if (c !== undefined) c.failed(this, err);
}

function onSocketTimeout(this: Tagged): void {
  const c = this[CONN];
  if (c !== undefined) c.failed(this, null);
}

function onClientClose(this: Tagged): void {
  const c = this[CONN];
  if (c !== undefined) c.clientClose();
}

function onUpstreamClose(this: Tagged): void {
  const c = this[CONN];
  if (c !== undefined) c.upstreamClose(this);
}

/**
 * One client connection: dial an endpoint of the chosen destination (falling over to another on a
 * failed connect), then pipe bytes both ways with backpressure and half-close. Event handlers are
 * module-level functions that find their Connection through a symbol on the socket, so nothing is
 * allocated per event. Every socket always has an 'error' handler: a reset never crashes the process.
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import type { Skip } from '../balance';
import { recordConnectFailure, recordConnectSuccess } from './outlier';
import type { DestinationRuntime } from './runtime';

const CONN = Symbol('tcpshift.connection');
type Tagged = net.Socket & { [CONN]?: Connection | undefined };

/** What a connection needs from the proxy that owns it. */
export interface ConnectionHost {
  readonly log: Logger;
  /** Called once, when both sockets are closed. */
  release(c: Connection): void;
}

/** A client connection and its upstream leg. */
export class Connection {
  private upstream: Tagged | null = null;
  private endpoint = -1;
  private attempts = 0;
  private tried: number[] | null = null;
  private skipTried: Skip | null = null;
  private open = false;
  private clientClosed = false;
  private upstreamClosed = false;
  private finished = false;

  constructor(
    private readonly host: ConnectionHost,
    private readonly client: Tagged,
    private readonly dest: DestinationRuntime,
  ) {}

  /** Takes over the client socket and dials the first endpoint. */
  start(): void {
    const c = this.client;
    const policy = this.dest.destination.policy;
    c[CONN] = this;
    c.on('error', onSocketError);
    c.on('close', onClientClose);
    c.on('timeout', onSocketTimeout);
    c.setNoDelay(true);
    if (policy.tcpKeepalive !== null) c.setKeepAlive(true, policy.tcpKeepalive.timeMs);
    if (policy.idleTimeoutMs > 0) c.setTimeout(policy.idleTimeoutMs);
    this.dest.counter.active++;
    this.dial();
  }

  /** Destroys both sockets at once (drain timeout, errors, idle timeout). */
  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  private dial(): void {
    const d = this.dest;
    let i = -1;
    if (this.attempts < d.maxAttempts && !this.client.destroyed) {
      const tried = this.skipTried;
      i = d.picker.pick(tried === null ? d.skipEjected : (k) => tried(k) || d.skipEjected(k));
      // Every eligible endpoint ejected: like Envoy's panic mode, ignore ejections.
      if (i < 0) i = d.picker.pick(tried ?? undefined);
    }
    if (i < 0) {
      d.counter.failed++;
      if (this.host.log.isLevelEnabled('debug')) this.host.log.debug({ destination: d.destination.key, attempts: this.attempts }, 'no endpoint reachable');
      this.client.destroy();
      return;
    }
    const ep = d.destination.endpoints[i]!;
    const policy = d.destination.policy;
    this.endpoint = i;
    this.attempts++;
    d.endpoints[i]!.active++;
    const keepalive = policy.tcpKeepalive;
    const s: Tagged = net.connect({
      host: ep.address,
      port: ep.port,
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
    if (policy.connectTimeoutMs > 0) s.setTimeout(policy.connectTimeoutMs);
  }

  /** The upstream answered: start piping. */
  connected(s: Tagged): void {
    const d = this.dest;
    const state = d.endpoints[this.endpoint]!;
    this.open = true;
    recordConnectSuccess(state);
    state.opened++;
    d.counter.opened++;
    s.setTimeout(d.destination.policy.idleTimeoutMs);
    this.client.pipe(s);
    s.pipe(this.client);
  }

  /** A dial failed (error, timeout or close before connect): try another endpoint unless the client is gone. */
  attemptFailed(s: Tagged, err: Error | null): void {
    const d = this.dest;
    const state = d.endpoints[this.endpoint]!;
    s[CONN] = undefined;
    s.destroy();
    this.upstream = null;
    state.active--;
    if (this.client.destroyed) {
      if (this.clientClosed) this.finish();
      return;
    }
    d.counter.connectFailures++;
    const ejected = recordConnectFailure(state, d.endpoints, d.destination.policy.outlierDetection, Date.now());
    if (this.host.log.isLevelEnabled('debug')) {
      this.host.log.debug({ endpoint: state.key, err: err?.message ?? 'closed', ejected }, 'connect failed');
    }
    if (this.tried === null) {
      const tried: number[] = [];
      this.tried = tried;
      this.skipTried = (k) => tried.includes(k);
    }
    this.tried.push(this.endpoint);
    this.dial();
  }

  /** Either socket errored or timed out: both go. */
  failed(s: Tagged, err: Error | null): void {
    if (s === this.upstream && !this.open) {
      this.attemptFailed(s, err);
      return;
    }
    if (err !== null && this.host.log.isLevelEnabled('debug')) this.host.log.debug({ err: err.message }, 'connection error');
    this.destroy();
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
        this.dest.endpoints[this.endpoint]!.active--;
      }
      this.finish();
      return;
    }
    if (!cleanlyClosed(this.client)) s?.destroy();
    if (this.upstreamClosed) this.finish();
  }

  upstreamClose(s: Tagged): void {
    if (!this.open) {
      this.attemptFailed(s, null);
      return;
    }
    this.upstreamClosed = true;
    if (!cleanlyClosed(s)) this.client.destroy();
    if (this.clientClosed) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const d = this.dest;
    const c = this.client;
    if (this.open) {
      const state = d.endpoints[this.endpoint]!;
      state.active--;
      state.closed++;
      state.bytesReceived += c.bytesRead;
      state.bytesSent += c.bytesWritten;
      d.counter.closed++;
      d.counter.bytesReceived += c.bytesRead;
      d.counter.bytesSent += c.bytesWritten;
    }
    d.counter.active--;
    c[CONN] = undefined;
    if (this.upstream !== null) this.upstream[CONN] = undefined;
    this.host.release(this);
  }
}

/** Both halves done in order: the peer's FIN was read and ours was flushed. */
function cleanlyClosed(s: net.Socket): boolean {
  return s.readableEnded && s.writableFinished;
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

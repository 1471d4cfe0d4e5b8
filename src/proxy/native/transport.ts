/**
 * The native data path: listeners and connections live in the addon (native/addon.cc); this file
 * keeps the JavaScript side of each — routing decisions, failover and counters — and dispatches the
 * addon's events (accepted, connected, connect failed, closed), which arrive in batches, once per
 * event-loop iteration, through a shared Float64Array.
 */
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { unixPath } from '../../model/address';
import { keepaliveArgs, type NativeBinding } from './binding';
import { CLIENT_HELLO_MAX_BYTES } from '../preamble/client-hello';
import type { PreambleEnd } from '../preamble/judge';
import { PROXY_MAX_BYTES } from '../preamble/proxy-protocol';
import { RoutedConnection, type ConnectionHost } from '../routed';
import type { DestinationRuntime } from '../runtime';
import { BindFailure, type BoundListener, type Preface, type Transport } from '../transport';
import { claimUnixPath, releaseUnixPath } from '../unix-socket';

/** Node's default listen backlog. */
const BACKLOG = 511;
const EVENTS = 4096;

/** An accept error as the listener's onError gets it: the errno name, and how many waiting connections were shed. */
export type AcceptError = Error & { readonly code: string; readonly shed: number };

/** A listener as the hub tracks it. */
interface ListenerEntry {
  readonly onAccept: (id: number) => void;
  readonly onError: (err: Error) => void;
  /** Accepted and not yet closed. */
  live: number;
  /** Set by close(): resolves once `live` is 0. */
  drained: (() => void) | null;
}

/** An accepted connection: its listener, its IPv4 client address as a number (-1: another family), its preamble reader while one runs, and its routed connection once it has one. */
interface Accepted {
  readonly id: number;
  readonly listener: ListenerEntry;
  readonly v4: number;
  conn: NativeConnection | null;
  /** Gets each EV_PREAMBLE (bytes peeked, PE_*), or -1 and PE_EOF when the connection closes first. */
  preamble: ((peeked: number, end: number) => void) | null;
}

/** `a.b.c.d` of an IPv4 address held as a number (host order). */
function dotted(v4: number): string {
  return `${Math.floor(v4 / 16777216)}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
}

/** The addon's JavaScript half for one process (one per loaded copy of this module). */
class NativeHub {
  private readonly events = new Float64Array(EVENTS * 4);
  private readonly listeners = new Map<number, ListenerEntry>();
  private readonly accepted: (Accepted | undefined)[] = [];
  private readonly slotSpace: number;
  /** The addon's activity stamps and owed bytes, two numbers per slot (see NativeBinding.activity). */
  private stamps = new Float64Array(2 * 1024);
  private sampled = false;
  /** One buffer for every preamble's peek: the bytes are judged synchronously, then stay in the socket. */
  private readonly peekBuffer = new Uint8Array(PROXY_MAX_BYTES + CLIENT_HELLO_MAX_BYTES);

  constructor(readonly binding: NativeBinding) {
    this.slotSpace = binding.constants.SLOT_SPACE;
    binding.init(this.events, (n) => this.flush(n));
  }

  listen(key: string, address: string, port: number, onAccept: (id: number) => void, onError: (err: Error) => void, reusePort = false): BoundListener {
    let id: number;
    let boundPort: number;
    const path = unixPath(address);
    try {
      [id, boundPort] = this.binding.listen(path ?? address, port, BACKLOG, reusePort);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new BindFailure(key, address, port, e.code ?? 'EUNKNOWN', e);
    }
    const entry: ListenerEntry = { onAccept, onError, live: 0, drained: null };
    this.listeners.set(id, entry);
    return {
      key, address, port, boundPort,
      close: () => {
        this.binding.closeListener(id);
        if (path !== null) releaseUnixPath(path);
        this.listeners.delete(id);
        if (entry.live === 0) return Promise.resolve();
        return new Promise<void>((resolve) => (entry.drained = resolve));
      },
    };
  }

  /** Attaches `conn` to the accepted client `id`. */
  adopt(id: number, conn: NativeConnection): void {
    const a = this.accepted[id % this.slotSpace];
    if (a !== undefined && a.id === id) a.conn = conn;
  }

  /** The client's address (IPv4 from the accept event, else asked of the addon), null when unknown. */
  address(id: number): string | null {
    const a = this.accepted[id % this.slotSpace];
    if (a === undefined || a.id !== id) return null;
    return a.v4 >= 0 ? dotted(a.v4) : this.binding.peer(id);
  }

  /**
   * The activity stamps and owed bytes of every connection, read from the addon in one call per
   * turn of the event loop (the sweep asks for all connections at once).
   */
  sample(): Float64Array {
    if (this.sampled) return this.stamps;
    const slots = this.binding.activity(this.stamps);
    if (2 * slots > this.stamps.length) {
      this.stamps = new Float64Array(2 * Math.max(slots, this.stamps.length));
      this.binding.activity(this.stamps);
    }
    this.sampled = true;
    queueMicrotask(() => {
      this.sampled = false;
    });
    return this.stamps;
  }

  /** The slot of connection `id` in the addon's tables. */
  slotOf(id: number): number {
    return id % this.slotSpace;
  }

  /** Peeks at client `id`'s first bytes until `onBytes` has seen enough or the read stops. */
  preamble(id: number, maxBytes: number, timeoutMs: number, onBytes: (bytes: Uint8Array, end: PreambleEnd) => boolean): void {
    const a = this.accepted[id % this.slotSpace];
    if (a === undefined || a.id !== id) {
      onBytes(EMPTY, 'eof');
      return;
    }
    const { PE_MORE, PE_EOF, PE_TIMEOUT } = this.binding.preambleConstants;
    const max = Math.min(maxBytes, this.peekBuffer.length);
    a.preamble = (peeked, end) => {
      const n = peeked < 0 ? 0 : this.binding.peek(id, this.peekBuffer);
      const why: PreambleEnd = end === PE_MORE ? null : end === PE_EOF || n < 0 ? 'eof' : end === PE_TIMEOUT ? 'timeout' : 'full';
      if (onBytes(this.peekBuffer.subarray(0, Math.max(0, n)), why) || why !== null) a.preamble = null;
    };
    this.binding.preamble(id, max, timeoutMs);
  }

  /** True once the addon has reported client `id` closed. */
  isClosed(id: number): boolean {
    const a = this.accepted[id % this.slotSpace];
    return a === undefined || a.id !== id;
  }

  private flush(n: number): void {
    const ev = this.events;
    const { EV_ACCEPT, EV_ACCEPT_ERROR, EV_CLOSED, EV_CONNECT_FAILED, EV_CONNECTED, EV_UPSTREAM_RESET } = this.binding.constants;
    const { EV_PREAMBLE, PE_EOF } = this.binding.preambleConstants;
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      const type = ev[o]!;
      const id = ev[o + 1]!;
      if (type === EV_ACCEPT) {
        const l = this.listeners.get(ev[o + 2]!);
        if (l === undefined) {
          this.binding.destroy(id);
          continue;
        }
        l.live++;
        this.accepted[id % this.slotSpace] = { id, listener: l, v4: ev[o + 3]!, conn: null, preamble: null };
        l.onAccept(id);
        continue;
      }
      if (type === EV_ACCEPT_ERROR) {
        const code = this.binding.errorName(ev[o + 2]!);
        const err: AcceptError = Object.assign(new Error(`accept: ${code}`), { code, shed: ev[o + 3]! });
        this.listeners.get(id)?.onError(err);
        continue;
      }
      const slot = id % this.slotSpace;
      const a = this.accepted[slot];
      if (a === undefined || a.id !== id) continue;
      if (type === EV_PREAMBLE) {
        a.preamble?.(ev[o + 2]!, ev[o + 3]!);
      } else if (type === EV_CONNECTED) {
        a.conn?.connected();
      } else if (type === EV_CONNECT_FAILED) {
        a.conn?.attemptFailed(this.binding.errorName(ev[o + 2]!));
      } else if (type === EV_CLOSED || type === EV_UPSTREAM_RESET) {
        this.accepted[slot] = undefined;
        const l = a.listener;
        l.live--;
        if (l.live === 0 && l.drained !== null) l.drained();
        a.preamble?.(-1, PE_EOF);
        a.conn?.closed(ev[o + 2]!, ev[o + 3]!, type === EV_UPSTREAM_RESET);
      }
    }
  }
}

/** A client connection whose bytes the addon moves. */
export class NativeConnection extends RoutedConnection {
  private gone = false;

  constructor(host: ConnectionHost, private readonly hub: NativeHub, private readonly id: number, dest: DestinationRuntime, private readonly preface?: Preface) {
    super(host, dest);
  }

  start(): void {
    this.hub.adopt(this.id, this);
    this.started();
    const p = this.preface;
    // The preamble's bytes are still in the socket: drop the PROXY header, queue the outgoing one.
    if (p !== undefined && this.hub.binding.preface(this.id, p.discard, p.prefix ?? undefined) < 0) {
      this.destroy();
      return;
    }
    this.dial();
  }

  destroy(): void {
    this.hub.binding.destroy(this.id);
  }

  /** When an epoll event last reached either leg (ms): one addon call per sweep for all connections. */
  override activity(): number {
    return this.hub.sample()[2 * this.hub.slotOf(this.id)]!;
  }

  override pending(): boolean {
    return this.hub.sample()[2 * this.hub.slotOf(this.id) + 1]! > 0;
  }

  /** See NativeBinding.shut. */
  override shut(onlyIfQuiet: boolean): boolean {
    return this.hub.binding.shut(this.id, onlyIfQuiet) !== 0;
  }

  private dial(): void {
    const i = this.nextEndpoint(this.gone);
    if (i < 0) {
      this.destroy();
      return;
    }
    const ep = this.dest.destination.endpoints[i]!;
    const path = unixPath(ep.address);
    if (path !== null) {
      this.dialAddress(path, 0);
      return;
    }
    if (isIP(ep.address) !== 0) {
      this.dialAddress(ep.address, ep.port);
      return;
    }
    lookup(ep.address, (err, address) => {
      if (this.gone) return;
      if (err !== null) this.attemptFailed(err.code ?? err.message);
      else this.dialAddress(address, ep.port);
    });
  }

  private dialAddress(ip: string, port: number): void {
    const p = this.dest.destination.policy;
    const r = this.hub.binding.dial(this.id, ip, port, p.connectTimeoutMs, p.idleTimeoutMs, ...keepaliveArgs(p.tcpKeepalive));
    // r > 0: the client has gone already; its closed event is on its way.
    if (r < 0) this.attemptFailed(this.hub.binding.errorName(r));
  }

  /** The upstream answered; the addon pipes from now on. */
  connected(): void {
    this.connectedOk();
  }

  /** The dial failed (the addon has closed that upstream leg): try another endpoint. */
  attemptFailed(code: string): void {
    if (this.gone || this.hub.isClosed(this.id)) {
      this.dialAbandoned();
      return;
    }
    this.connectFailed(code, `connect ${code}`);
    this.dial();
  }

  /** Both legs are closed (`upstreamReset`: because the upstream reset or failed). */
  closed(bytesReceived: number, bytesSent: number, upstreamReset: boolean): void {
    this.gone = true;
    this.dialAbandoned();
    this.finish(bytesReceived, bytesSent, upstreamReset);
  }
}

const EMPTY = new Uint8Array(0);

let shared: Transport<number> | null = null;

/** The data path in the addon (one hub per process: the addon has one event callback). */
export function nativeTransport(binding: NativeBinding): Transport<number> {
  shared ??= makeTransport(binding);
  return shared;
}

function makeTransport(binding: NativeBinding): Transport<number> {
  const hub = new NativeHub(binding);
  return {
    name: 'native',
    async bind(key, address, port, onAccept, onError, options) {
      const path = unixPath(address);
      if (path !== null) await claimUnixPath(key, address, path);
      return hub.listen(key, address, port, onAccept, onError, options?.reusePort === true);
    },
    connect(host, client, dest, preface) {
      const c = new NativeConnection(host, hub, client, dest, preface);
      c.start();
      return c;
    },
    hold() {},
    reject(client) {
      binding.destroy(client);
    },
    gone(client) {
      return hub.isClosed(client);
    },
    address(client) {
      return hub.address(client);
    },
    addresses(client) {
      const a = binding.addresses(client);
      return a === null ? null : { source: { address: a[0], port: a[1] }, destination: { address: a[2], port: a[3] } };
    },
    preamble(client, maxBytes, timeoutMs, onBytes) {
      hub.preamble(client, maxBytes, timeoutMs, onBytes);
    },
  };
}

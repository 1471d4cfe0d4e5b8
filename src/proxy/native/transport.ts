/**
 * The native data path: listeners and connections live in the addon (native/addon.cc); this file
 * keeps the JavaScript side of each — routing decisions, failover and counters — and dispatches the
 * addon's events (accepted, connected, connect failed, closed), which arrive in batches, once per
 * event-loop iteration, through a shared Float64Array.
 */
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { keepaliveArgs, type NativeBinding } from './binding';
import { RoutedConnection, type ConnectionHost } from '../routed';
import type { DestinationRuntime } from '../runtime';
import { BindFailure, type BoundListener, type Transport } from '../transport';

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

/** An accepted connection: its listener, and its routed connection once it has one. */
interface Accepted {
  readonly id: number;
  readonly listener: ListenerEntry;
  conn: NativeConnection | null;
}

/** The addon's JavaScript half for one process (one per loaded copy of this module). */
class NativeHub {
  private readonly events = new Float64Array(EVENTS * 4);
  private readonly listeners = new Map<number, ListenerEntry>();
  private readonly accepted: (Accepted | undefined)[] = [];
  private readonly slotSpace: number;

  constructor(readonly binding: NativeBinding) {
    this.slotSpace = binding.constants.SLOT_SPACE;
    binding.init(this.events, (n) => this.flush(n));
  }

  listen(key: string, address: string, port: number, onAccept: (id: number) => void, onError: (err: Error) => void, reusePort = false): BoundListener {
    let id: number;
    let boundPort: number;
    try {
      [id, boundPort] = this.binding.listen(address, port, BACKLOG, reusePort);
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

  /** True once the addon has reported client `id` closed. */
  isClosed(id: number): boolean {
    const a = this.accepted[id % this.slotSpace];
    return a === undefined || a.id !== id;
  }

  private flush(n: number): void {
    const ev = this.events;
    const { EV_ACCEPT, EV_ACCEPT_ERROR, EV_CLOSED, EV_CONNECT_FAILED, EV_CONNECTED, EV_UPSTREAM_RESET } = this.binding.constants;
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
        this.accepted[id % this.slotSpace] = { id, listener: l, conn: null };
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
      if (type === EV_CONNECTED) {
        a.conn?.connected();
      } else if (type === EV_CONNECT_FAILED) {
        a.conn?.attemptFailed(this.binding.errorName(ev[o + 2]!));
      } else if (type === EV_CLOSED || type === EV_UPSTREAM_RESET) {
        this.accepted[slot] = undefined;
        const l = a.listener;
        l.live--;
        if (l.live === 0 && l.drained !== null) l.drained();
        a.conn?.closed(ev[o + 2]!, ev[o + 3]!, type === EV_UPSTREAM_RESET);
      }
    }
  }
}

/** A client connection whose bytes the addon moves. */
export class NativeConnection extends RoutedConnection {
  private gone = false;

  constructor(host: ConnectionHost, private readonly hub: NativeHub, private readonly id: number, dest: DestinationRuntime) {
    super(host, dest);
  }

  start(): void {
    this.hub.adopt(this.id, this);
    this.started();
    this.dial();
  }

  destroy(): void {
    this.hub.binding.destroy(this.id);
  }

  private dial(): void {
    const i = this.nextEndpoint(this.gone);
    if (i < 0) {
      this.destroy();
      return;
    }
    const ep = this.dest.destination.endpoints[i]!;
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
    bind(key, address, port, onAccept, onError, options) {
      return new Promise((resolve, reject) => {
        try {
          resolve(hub.listen(key, address, port, onAccept, onError, options?.reusePort === true));
        } catch (err) {
          reject(err);
        }
      });
    },
    connect(host, client, dest) {
      const c = new NativeConnection(host, hub, client, dest);
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
  };
}

/** A plain JSON view of what the proxy serves and how many connections each part holds. */
import { socketOf } from '../model/address';
import type { Counters, ListenerReasonCount, ReasonCount } from './counters';
import type { ConnectionPolicy, Listener } from '../model/types';
import type { BoundListener } from './transport';
import { observedPercent } from './observed';
import type { RebalanceReason } from './rebalance';
import type { RoutedConnection } from './routed';
import type { TableRuntime } from './runtime';

export interface EndpointSnapshot {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly active: number;
  readonly ejected: boolean;
}

export interface DestinationSnapshot {
  readonly key: string;
  readonly host: string;
  readonly subset: string | null;
  readonly port: number;
  readonly service: string;
  readonly version: string;
  readonly weight: number;
  readonly percent: number;
  /** Share of the listener's last new connections (up to 1,000) given to this destination; null before any. */
  readonly observedPercent: number | null;
  readonly active: number;
  readonly opened: number;
  readonly closed: number;
  /** Failed dial attempts (each endpoint tried counts once). */
  readonly connectFailures: number;
  /** Client connections that failed: every attempt failed, or the upstream reset once open. */
  readonly failed: number;
  /** Client connections given this destination and closed at once by its maxConnections or the global --max-connections. */
  readonly rejected: number;
  /** (Optional for status documents from older instances.) Open connections of this listener given to this destination, and their share of the listener's (null: none open). */
  readonly listenerActive?: number;
  readonly activePercent?: number | null;
  /** Closed by maxConnectionDuration / by rebalancing, per reason (over every listener). */
  readonly expired?: number;
  readonly rebalanced?: Readonly<Record<RebalanceReason, number>>;
  readonly endpoints: readonly EndpointSnapshot[];
}

/** A destination that is no longer served by the route (gone or at weight 0) but still holds open connections. */
export interface DrainingSnapshot {
  readonly key: string;
  readonly service: string;
  readonly version: string;
  readonly listenerActive: number;
  readonly activePercent: number;
}

export interface ListenerSnapshot {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** Port actually bound; null if the listener is not bound (never the case for a live table). */
  readonly boundPort: number | null;
  readonly gateway: string;
  readonly portName: string;
  /** TLS passthrough: the SNI names this entry serves (absent on TCP listeners and the fallback entry). */
  readonly sni?: readonly string[];
  /** True on every entry of a socket that routes by SNI. */
  readonly tls?: boolean;
  /** True when the socket reads a PROXY header first. */
  readonly acceptProxyProtocol?: boolean;
  readonly route: {
    readonly virtualService: string;
    readonly rule: number;
    /** The Gateway API route kind (absent: a VirtualService), and `tls` for a VirtualService `tls[]` rule (absent: `tcp[]`). */
    readonly kind?: 'TCPRoute' | 'TLSRoute';
    readonly section?: 'tls';
    /** How many recent new connections `observedPercent` is computed over (at most 1,000). */
    readonly observedConnections: number;
    readonly destinations: readonly DestinationSnapshot[];
    /** The route's ConnectionPolicy (null: none — open connections are never touched). */
    readonly connections?: ConnectionPolicy | null;
    /** Open connections accepted by this listener. */
    readonly activeConnections?: number;
    /** Destinations not in the route any more whose connections are still open. */
    readonly draining?: readonly DrainingSnapshot[];
  };
}

export interface ProxySnapshot {
  readonly listeners: readonly ListenerSnapshot[];
  /** Client connections open now, on any listener (including ones no longer in the table). */
  readonly activeConnections: number;
  /** Client connections closed at once since start (--max-connections, maxConnections, shutting down). */
  readonly rejectedConnections: number;
  /** Connections the listeners could not accept, per errno name (EMFILE …). */
  readonly acceptErrors: readonly ReasonCount[];
  /** Dials that failed for a reason of this host, per errno name; never blamed on an endpoint. */
  readonly localConnectErrors: readonly ReasonCount[];
  /** TLS connections closed because no SNI route took them, per socket and reason (no_match, no_sni, not_tls, timeout, too_large, closed). */
  readonly sniUnmatched?: readonly ListenerReasonCount[];
  /** Connections closed for want of a valid PROXY header, per socket and reason (not_proxy, invalid, too_large, timeout, closed). */
  readonly proxyProtocolRejected?: readonly ListenerReasonCount[];
}

/** Builds the snapshot of `rt`, with the bound ports from `bound`. */
export function snapshotOf(rt: TableRuntime, bound: ReadonlyMap<string, BoundListener>, conns: ReadonlySet<RoutedConnection>, stats: Counters): ProxySnapshot {
  const now = Date.now();
  const open = openByListener(conns);
  const listeners: ListenerSnapshot[] = [];
  for (const lr of rt.listeners.values()) {
    const l = lr.listener;
    const seen = lr.observed.counts();
    const recent = lr.observed.count;
    const here = open.get(l.key) ?? new Map<string, { n: number; service: string; version: string }>();
    let onListener = 0;
    for (const v of here.values()) onListener += v.n;
    const pct = (n: number) => (onListener === 0 ? null : Math.round((n / onListener) * 10_000) / 100);
    const inRoute = new Set(lr.destinations.map((dr) => dr.destination.key));
    listeners.push({
      key: l.key,
      address: l.address,
      port: l.port,
      boundPort: bound.get(socketOf(l))?.boundPort ?? null,
      gateway: l.gateway,
      portName: l.portName,
      ...entryFlags(l),
      route: {
        virtualService: l.route.virtualService,
        rule: l.route.rule,
        ...routeFlags(l),
        observedConnections: recent,
        destinations: lr.destinations.map((dr) => {
          const d = dr.destination;
          return {
            key: d.key, host: d.host, subset: d.subset, port: d.port, service: d.service, version: d.version,
            weight: d.weight, percent: d.percent, observedPercent: observedPercent(seen.get(dr.observedId) ?? 0, recent),
            active: dr.counter.active, opened: dr.counter.opened, closed: dr.counter.closed,
            connectFailures: dr.counter.connectFailures, failed: dr.counter.failed, rejected: dr.counter.rejected,
            listenerActive: here.get(d.key)?.n ?? 0, activePercent: pct(here.get(d.key)?.n ?? 0),
            expired: dr.counter.expired, rebalanced: { ...dr.counter.rebalanced },
            endpoints: d.endpoints.map((e, i) => {
              const s = dr.endpoints[i]!;
              return { key: e.key, address: e.address, port: e.port, weight: e.weight, active: s.active, ejected: s.ejectedUntil > now };
            }),
          };
        }),
        connections: l.route.connections ?? null,
        activeConnections: onListener,
        draining: [...here].filter(([k]) => !inRoute.has(k)).map(([key, v]) => ({
          key, service: v.service, version: v.version, listenerActive: v.n, activePercent: pct(v.n) ?? 0,
        })),
      },
    });
  }
  return {
    listeners, activeConnections: conns.size, rejectedConnections: stats.rejected,
    acceptErrors: stats.acceptErrors.entries(), localConnectErrors: stats.localConnectErrors.entries(),
    sniUnmatched: stats.sniUnmatched.entries(), proxyProtocolRejected: stats.proxyProtocolRejected.entries(),
  };
}

/** Open connections per listener key, per destination key. */
function openByListener(conns: ReadonlySet<RoutedConnection>): Map<string, Map<string, { n: number; service: string; version: string }>> {
  const out = new Map<string, Map<string, { n: number; service: string; version: string }>>();
  for (const c of conns) {
    let m = out.get(c.listenerKey);
    if (m === undefined) {
      m = new Map();
      out.set(c.listenerKey, m);
    }
    const d = c.destination.destination;
    const e = m.get(d.key);
    if (e === undefined) m.set(d.key, { n: 1, service: d.service, version: d.version });
    else e.n++;
  }
  return out;
}

/** A listener entry's SNI names and TLS / accept-PROXY flags as /status shows them (only those set). */
export function entryFlags(l: Listener): Pick<ListenerSnapshot, 'sni' | 'tls' | 'acceptProxyProtocol'> {
  return {
    ...(l.sni !== undefined ? { sni: l.sni } : {}),
    ...(l.tls === true ? { tls: true } : {}),
    ...(l.acceptProxyProtocol === true ? { acceptProxyProtocol: true } : {}),
  };
}

/** The route's Gateway API kind and VirtualService section as /status shows them (only those set). */
export function routeFlags(l: Listener): Pick<ListenerSnapshot['route'], 'kind' | 'section'> {
  return {
    ...(l.route.kind !== undefined ? { kind: l.route.kind } : {}),
    ...(l.route.section !== undefined ? { section: l.route.section } : {}),
  };
}

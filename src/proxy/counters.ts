/**
 * Connection counters that outlive table swaps. Destinations are keyed by `service|version|port`
 * (the metric labels), endpoints by `address:port`; a table that names the same key again finds
 * the same object, so active counts (used by LEAST_REQUEST) and totals carry over.
 */
import type { Destination, Endpoint } from '../model/types';
import { ObservedShares } from './observed';
import type { RebalanceReason } from './rebalance';

/** Totals both an endpoint and a destination keep. */
class ConnectionTotals {
  /** Connections being dialled or open (for a destination: client connections assigned to it). */
  active = 0;
  /** Upstream connections established. */
  opened = 0;
  /** Established connections that have ended. */
  closed = 0;
  /** Bytes sent to clients / received from clients. */
  bytesSent = 0;
  bytesReceived = 0;
  /** Failed dial attempts (each endpoint tried counts once). */
  connectFailures = 0;
}

/** Live state and totals of one backend address. */
export class EndpointState extends ConnectionTotals {
  /** Outlier detection: failures since the last successful connect, and ejection state. */
  consecutiveFailures = 0;
  /** Times ejected in a row (multiplies the ejection time); reset by a connect after the ejection ended. */
  ejectionMultiplier = 0;
  /** Times ejected, ever. */
  ejections = 0;
  /** Epoch ms until which the endpoint is ejected; 0 = not ejected. */
  ejectedUntil = 0;

  constructor(readonly key: string, readonly address: string, readonly port: number) {
    super();
  }
}

/** Totals of one destination (service, version, port). */
export class DestinationCounter extends ConnectionTotals {
  /** Client connections that failed: every attempt failed, or the upstream reset (or failed) once open. */
  failed = 0;
  /** Client connections closed at once because the destination's maxConnections was reached. */
  rejected = 0;
  /** Open connections closed by maxConnectionDuration. */
  expired = 0;
  /** Open connections closed by rebalancing, per reason. */
  readonly rebalanced: Record<RebalanceReason, number> = { rebalance: 0, drain: 0, drain_after: 0 };

  constructor(readonly key: string, readonly service: string, readonly version: string, readonly port: number) {
    super();
  }
}

/** Counts per reason (an errno name such as EMFILE). */
export class ReasonCounts {
  private readonly counts = new Map<string, number>();

  /** Adds `n` for `reason`. */
  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  /** Every reason with its count, in first-seen order. */
  entries(): ReasonCount[] {
    return [...this.counts].map(([reason, count]) => ({ reason, count }));
  }
}

/** Counts per listener socket and reason (connections closed before they were routed). */
export class ListenerReasonCounts {
  private readonly counts = new Map<string, { listener: string; reason: string; count: number }>();

  /** Adds one for `reason` on socket `listener`. */
  add(listener: string, reason: string): void {
    const key = `${listener}\u0000${reason}`;
    const c = this.counts.get(key);
    if (c === undefined) this.counts.set(key, { listener, reason, count: 1 });
    else c.count++;
  }

  /** Every (listener, reason) with its count, in first-seen order. */
  entries(): ListenerReasonCount[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }
}

/** A listener socket, a reason, and how often it happened there. */
export interface ListenerReasonCount {
  readonly listener: string;
  readonly reason: string;
  readonly count: number;
}

/** One reason and how often it happened. */
export interface ReasonCount {
  readonly reason: string;
  readonly count: number;
}

/** Plain JSON view of every counter, for metrics. */
export interface CountersSnapshot {
  /** Client connections currently tracked by the proxy. */
  readonly active: number;
  readonly accepted: number;
  /** Closed at once: global maxConnections plus every destination's maxConnections. */
  readonly rejected: number;
  /** Connections a listener could not accept (shed while out of descriptors, or accept() failures), per errno name. */
  readonly acceptErrors: readonly ReasonCount[];
  /** Dials that failed for a reason of this host (EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS, ENOMEM), never blamed on the endpoint. */
  readonly localConnectErrors: readonly ReasonCount[];
  /** TLS passthrough connections closed because no SNI route took them, per socket and reason (src/proxy/preamble/client-hello.ts). */
  readonly sniUnmatched: readonly ListenerReasonCount[];
  /** Connections on accept-proxy-protocol listeners closed for want of a valid PROXY header, per socket and reason. */
  readonly proxyProtocolRejected: readonly ListenerReasonCount[];
  readonly destinations: readonly {
    readonly key: string; readonly service: string; readonly version: string; readonly port: number;
    readonly active: number; readonly opened: number; readonly closed: number;
    readonly bytesSent: number; readonly bytesReceived: number;
    readonly connectFailures: number; readonly failed: number; readonly rejected: number;
    readonly expired: number; readonly rebalanced: Readonly<Record<RebalanceReason, number>>;
  }[];
  readonly endpoints: readonly {
    readonly key: string; readonly active: number; readonly opened: number; readonly closed: number;
    readonly bytesSent: number; readonly bytesReceived: number; readonly connectFailures: number;
    /** Outlier-detection ejections, ever. */
    readonly ejections: number;
    readonly ejected: boolean;
  }[];
}

/** The registry of every counter the proxy has ever used. */
export class Counters {
  active = 0;
  accepted = 0;
  rejected = 0;
  readonly acceptErrors = new ReasonCounts();
  readonly localConnectErrors = new ReasonCounts();
  readonly sniUnmatched = new ListenerReasonCounts();
  readonly proxyProtocolRejected = new ListenerReasonCounts();
  /** The destinations given to each listener's last new connections (the observed share). */
  readonly observed = new ObservedShares();
  private readonly destinations = new Map<string, DestinationCounter>();
  private readonly endpoints = new Map<string, EndpointState>();

  /** Returns the counter for `d`, creating it on first use. */
  destination(d: Destination): DestinationCounter {
    const key = `${d.service}|${d.version}|${d.port}`;
    let c = this.destinations.get(key);
    if (c === undefined) {
      c = new DestinationCounter(key, d.service, d.version, d.port);
      this.destinations.set(key, c);
    }
    return c;
  }

  /** Returns the state of `e` (by its `address:port` key), creating it on first use. */
  endpoint(e: Endpoint): EndpointState {
    let s = this.endpoints.get(e.key);
    if (s === undefined) {
      s = new EndpointState(e.key, e.address, e.port);
      this.endpoints.set(e.key, s);
    }
    return s;
  }

  /** Copies every counter into plain objects. */
  snapshot(now = Date.now()): CountersSnapshot {
    return {
      active: this.active,
      accepted: this.accepted,
      rejected: this.rejected,
      acceptErrors: this.acceptErrors.entries(),
      localConnectErrors: this.localConnectErrors.entries(),
      sniUnmatched: this.sniUnmatched.entries(),
      proxyProtocolRejected: this.proxyProtocolRejected.entries(),
      destinations: [...this.destinations.values()].map((c) => ({
        key: c.key, service: c.service, version: c.version, port: c.port,
        active: c.active, opened: c.opened, closed: c.closed,
        bytesSent: c.bytesSent, bytesReceived: c.bytesReceived,
        connectFailures: c.connectFailures, failed: c.failed, rejected: c.rejected,
        expired: c.expired, rebalanced: { ...c.rebalanced },
      })),
      endpoints: [...this.endpoints.values()].map((s) => ({
        key: s.key, active: s.active, opened: s.opened, closed: s.closed,
        bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, connectFailures: s.connectFailures,
        ejections: s.ejections, ejected: s.ejectedUntil > now,
      })),
    };
  }
}

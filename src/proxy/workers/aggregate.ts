/**
 * Sums what the workers count into the shapes one TcpProxy reports (/status, /metrics): every count
 * added up by key, shares recomputed from the sums, the listeners from the table the pool serves.
 */
import type { RoutingTable } from '../../model/types';
import { socketOf } from '../../model/address';
import type { CountersSnapshot, ListenerReasonCount, ReasonCount } from '../counters';
import { observedPercent } from '../observed';
import { entryFlags, routeFlags, type ListenerSnapshot, type ProxySnapshot } from '../snapshot';
import type { BoundAddress } from '../transport';
import type { ListenerActivity } from './activity';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function sumReasons(lists: readonly (readonly ReasonCount[])[]): ReasonCount[] {
  const m = new Map<string, number>();
  for (const l of lists) for (const r of l) m.set(r.reason, (m.get(r.reason) ?? 0) + r.count);
  return [...m].map(([reason, count]) => ({ reason, count }));
}

function sumListenerReasons(lists: readonly (readonly ListenerReasonCount[])[]): ListenerReasonCount[] {
  const m = new Map<string, ListenerReasonCount>();
  for (const l of lists) {
    for (const r of l) {
      const key = `${r.listener}\u0000${r.reason}`;
      const have = m.get(key);
      m.set(key, { listener: r.listener, reason: r.reason, count: (have?.count ?? 0) + r.count });
    }
  }
  return [...m.values()];
}

/** Adds the numeric fields of `b` into `a` (and `rebalanced` per reason). */
function addNumbers<T extends object>(a: T, b: T): void {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of Object.keys(rb)) {
    const v = rb[k];
    if (typeof v === 'number' && typeof ra[k] === 'number' && k !== 'port' && k !== 'weight' && k !== 'percent') ra[k] = (ra[k] as number) + v;
  }
}

/** Every worker's counters as one (destinations and endpoints by key, in first-seen order). */
export function sumCounters(all: readonly CountersSnapshot[]): CountersSnapshot {
  const destinations = new Map<string, Mutable<CountersSnapshot['destinations'][number]>>();
  const endpoints = new Map<string, Mutable<CountersSnapshot['endpoints'][number]>>();
  let active = 0;
  let accepted = 0;
  let rejected = 0;
  for (const c of all) {
    active += c.active;
    accepted += c.accepted;
    rejected += c.rejected;
    for (const d of c.destinations) {
      const have = destinations.get(d.key);
      if (have === undefined) destinations.set(d.key, { ...d, rebalanced: { ...d.rebalanced } });
      else {
        addNumbers(have, d);
        for (const r of Object.keys(d.rebalanced) as (keyof typeof d.rebalanced)[]) have.rebalanced = { ...have.rebalanced, [r]: have.rebalanced[r] + d.rebalanced[r] };
      }
    }
    for (const e of c.endpoints) {
      const have = endpoints.get(e.key);
      if (have === undefined) endpoints.set(e.key, { ...e });
      else {
        addNumbers(have, e);
        have.ejected = have.ejected || e.ejected;
      }
    }
  }
  return {
    active, accepted, rejected,
    acceptErrors: sumReasons(all.map((c) => c.acceptErrors)),
    localConnectErrors: sumReasons(all.map((c) => c.localConnectErrors)),
    sniUnmatched: sumListenerReasons(all.map((c) => c.sniUnmatched)),
    proxyProtocolRejected: sumListenerReasons(all.map((c) => c.proxyProtocolRejected)),
    destinations: [...destinations.values()], endpoints: [...endpoints.values()],
  };
}

const pct = (n: number, of: number): number | null => (of === 0 ? null : Math.round((n / of) * 10_000) / 100);

/**
 * The snapshot one TcpProxy would give for `table`, from the workers' summed counters and their
 * per-listener activity: the same shape, built on the main thread when asked (as /status asks).
 */
export function snapshotFrom(table: RoutingTable, bound: ReadonlyMap<string, BoundAddress>, counters: CountersSnapshot, activity: readonly (readonly ListenerActivity[])[]): ProxySnapshot {
  const dests = new Map(counters.destinations.map((d) => [d.key, d]));
  const eps = new Map(counters.endpoints.map((e) => [e.key, e]));
  const perListener = new Map<string, { observed: number; byDest: Map<string, { seen: number; open: number; service: string; version: string }> }>();
  for (const worker of activity) {
    for (const la of worker) {
      let l = perListener.get(la.key);
      if (l === undefined) perListener.set(la.key, (l = { observed: 0, byDest: new Map() }));
      l.observed += la.observed;
      for (const [key, seen, open, service, version] of la.destinations) {
        const have = l.byDest.get(key);
        if (have === undefined) l.byDest.set(key, { seen, open, service, version });
        else {
          have.seen += seen;
          have.open += open;
        }
      }
    }
  }
  const listeners: ListenerSnapshot[] = table.listeners.map((l) => {
    const act = perListener.get(l.key);
    const recent = act?.observed ?? 0;
    let onListener = 0;
    for (const v of act?.byDest.values() ?? []) onListener += v.open;
    const inRoute = new Set(l.route.destinations.map((d) => d.key));
    return {
      key: l.key, address: l.address, port: l.port, boundPort: bound.get(socketOf(l))?.boundPort ?? null, gateway: l.gateway, portName: l.portName, ...entryFlags(l),
      route: {
        virtualService: l.route.virtualService, rule: l.route.rule, ...routeFlags(l), observedConnections: recent,
        destinations: l.route.destinations.map((d) => {
          const c = dests.get(`${d.service}|${d.version}|${d.port}`);
          const a = act?.byDest.get(d.key);
          const open = a?.open ?? 0;
          return {
            key: d.key, host: d.host, subset: d.subset, port: d.port, service: d.service, version: d.version,
            weight: d.weight, percent: d.percent, observedPercent: observedPercent(a?.seen ?? 0, recent),
            active: c?.active ?? 0, opened: c?.opened ?? 0, closed: c?.closed ?? 0,
            connectFailures: c?.connectFailures ?? 0, failed: c?.failed ?? 0, rejected: c?.rejected ?? 0,
            listenerActive: open, activePercent: pct(open, onListener),
            expired: c?.expired ?? 0, rebalanced: { ...(c?.rebalanced ?? { rebalance: 0, drain: 0, drain_after: 0 }) },
            endpoints: d.endpoints.map((e) => {
              const s = eps.get(e.key);
              return { key: e.key, address: e.address, port: e.port, weight: e.weight, active: s?.active ?? 0, ejected: s?.ejected ?? false };
            }),
          };
        }),
        connections: l.route.connections ?? null,
        activeConnections: onListener,
        draining: [...(act?.byDest ?? [])].filter(([k, v]) => !inRoute.has(k) && v.open > 0).map(([key, v]) => ({
          key, service: v.service, version: v.version, listenerActive: v.open, activePercent: pct(v.open, onListener) ?? 0,
        })),
      },
    };
  });
  return {
    listeners, activeConnections: counters.active, rejectedConnections: counters.rejected,
    acceptErrors: counters.acceptErrors, localConnectErrors: counters.localConnectErrors,
    sniUnmatched: counters.sniUnmatched, proxyProtocolRejected: counters.proxyProtocolRejected,
  };
}

/**
 * Sums what the workers count into the shapes one TcpProxy reports (/status, /metrics): every count
 * added up by key, shares recomputed from the sums. The workers serve the same table, so their
 * listeners, destinations and endpoints line up by key.
 */
import type { CountersSnapshot, ReasonCount } from '../counters';
import type { DestinationSnapshot, ListenerSnapshot, ProxySnapshot } from '../snapshot';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function sumReasons(lists: readonly (readonly ReasonCount[])[]): ReasonCount[] {
  const m = new Map<string, number>();
  for (const l of lists) for (const r of l) m.set(r.reason, (m.get(r.reason) ?? 0) + r.count);
  return [...m].map(([reason, count]) => ({ reason, count }));
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
    destinations: [...destinations.values()], endpoints: [...endpoints.values()],
  };
}

const pct = (n: number, of: number): number | null => (of === 0 ? null : Math.round((n / of) * 10_000) / 100);

function sumDestination(ds: readonly DestinationSnapshot[], listenerActive: number, observed: readonly number[], recent: number): DestinationSnapshot {
  const first = ds[0]!;
  const out: Mutable<DestinationSnapshot> = { ...first, rebalanced: { ...(first.rebalanced ?? { rebalance: 0, drain: 0, drain_after: 0 }) }, endpoints: first.endpoints.map((e) => ({ ...e })) };
  for (const d of ds.slice(1)) {
    addNumbers(out, d);
    const rb = d.rebalanced;
    if (rb !== undefined) out.rebalanced = { rebalance: out.rebalanced!.rebalance + rb.rebalance, drain: out.rebalanced!.drain + rb.drain, drain_after: out.rebalanced!.drain_after + rb.drain_after };
    out.endpoints = out.endpoints.map((e, i) => {
      const o = d.endpoints[i];
      return o === undefined ? e : { ...e, active: e.active + o.active, ejected: e.ejected || o.ejected };
    });
  }
  // The observed share over all workers: each worker's share weighted by how many it saw.
  const seen = ds.reduce((n, d, i) => n + ((d.observedPercent ?? 0) * (observed[i] ?? 0)) / 100, 0);
  out.observedPercent = recent === 0 ? null : Math.round((seen / recent) * 10_000) / 100;
  out.activePercent = pct(out.listenerActive ?? 0, listenerActive);
  return out;
}

function sumListener(ls: readonly ListenerSnapshot[]): ListenerSnapshot {
  const first = ls[0]!;
  const observed = ls.map((l) => l.route.observedConnections);
  const recent = observed.reduce((a, b) => a + b, 0);
  const activeConnections = ls.reduce((n, l) => n + (l.route.activeConnections ?? 0), 0);
  const draining = new Map<string, { key: string; service: string; version: string; listenerActive: number; activePercent: number }>();
  for (const l of ls) {
    for (const d of l.route.draining ?? []) {
      const have = draining.get(d.key);
      if (have === undefined) draining.set(d.key, { ...d });
      else have.listenerActive += d.listenerActive;
    }
  }
  for (const d of draining.values()) d.activePercent = pct(d.listenerActive, activeConnections) ?? 0;
  return {
    ...first,
    route: {
      ...first.route,
      observedConnections: recent,
      activeConnections,
      destinations: first.route.destinations.map((d) => {
        // By key: a worker that has not yet reported the new table lists other destinations.
        const same = ls.flatMap((l, i) => l.route.destinations.filter((x) => x.key === d.key).map((x) => ({ x, seen: observed[i] ?? 0 })));
        return sumDestination(same.map((s) => s.x), activeConnections, same.map((s) => s.seen), recent);
      }),
      draining: [...draining.values()],
    },
  };
}

/** Every worker's snapshot as one; the listeners are the first worker's (all serve the same table). */
export function sumSnapshots(all: readonly ProxySnapshot[]): ProxySnapshot {
  if (all.length === 0) return { listeners: [], activeConnections: 0, rejectedConnections: 0, acceptErrors: [], localConnectErrors: [] };
  const byKey = new Map<string, ListenerSnapshot[]>();
  for (const s of all) for (const l of s.listeners) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l]);
  return {
    listeners: all[0]!.listeners.map((l) => sumListener(byKey.get(l.key)!)),
    activeConnections: all.reduce((n, s) => n + s.activeConnections, 0),
    rejectedConnections: all.reduce((n, s) => n + s.rejectedConnections, 0),
    acceptErrors: sumReasons(all.map((s) => s.acceptErrors)),
    localConnectErrors: sumReasons(all.map((s) => s.localConnectErrors)),
  };
}

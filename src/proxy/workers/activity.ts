/**
 * What a data-plane worker reports per listener besides its counters: the destinations given to its
 * last new connections (the observed window) and its open connections per destination. Small flat
 * records, so a worker's report costs O(listeners with traffic), not a snapshot of the whole table.
 */
import type { RoutedConnection } from '../routed';
import type { TableRuntime } from '../runtime';

/** One destination of a listener: observed in the window, open now (with its names, for draining ones). */
export type DestinationActivity = readonly [key: string, observed: number, open: number, service: string, version: string];

/** One listener with connections seen or open. */
export interface ListenerActivity {
  readonly key: string;
  /** Connections in the observed window (≤ 1,000 per worker). */
  readonly observed: number;
  readonly destinations: readonly DestinationActivity[];
}

/** The activity of every listener of `rt` that has seen or holds a connection. */
export function activityOf(rt: TableRuntime, conns: ReadonlySet<RoutedConnection>): ListenerActivity[] {
  const open = new Map<string, Map<string, { n: number; service: string; version: string }>>();
  for (const c of conns) {
    let m = open.get(c.listenerKey);
    if (m === undefined) open.set(c.listenerKey, (m = new Map()));
    const d = c.destination.destination;
    const e = m.get(d.key);
    if (e === undefined) m.set(d.key, { n: 1, service: d.service, version: d.version });
    else e.n++;
  }
  const out: ListenerActivity[] = [];
  for (const lr of rt.listeners.values()) {
    const here = open.get(lr.listener.key);
    if (lr.observed.count === 0 && here === undefined) continue;
    const seen = lr.observed.counts();
    const destinations: DestinationActivity[] = lr.destinations.map((dr) => {
      const d = dr.destination;
      return [d.key, seen.get(dr.observedId) ?? 0, here?.get(d.key)?.n ?? 0, d.service, d.version];
    });
    for (const [key, v] of here ?? []) {
      if (!lr.destinations.some((dr) => dr.destination.key === key)) destinations.push([key, 0, v.n, v.service, v.version]);
    }
    out.push({ key: lr.listener.key, observed: lr.observed.count, destinations });
  }
  return out;
}

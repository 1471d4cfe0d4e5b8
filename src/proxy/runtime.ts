/**
 * Per-table runtime objects, built from a frozen RoutingTable before it goes live: a subset picker
 * per listener's route, an endpoint picker and pre-bound counters per destination. Built whole or
 * not at all; swapped in with the table by one assignment.
 */
import { createEndpointPicker, SmoothWeightedPicker, StickyPicker, type EndpointPicker, type Rng, type Skip } from '../balance';
import { ApplyError } from '../errors';
import { socketOf } from '../model/address';
import type { Destination, Listener, RoutingTable } from '../model/types';
import { SniTable } from './preamble/sni-table';
import type { Counters, DestinationCounter, EndpointState } from './counters';
import type { ObservedRing } from './observed';
import { isEjected } from './outlier';

/** At most this many endpoints are dialled for one client connection. */
export const MAX_CONNECT_ATTEMPTS = 3;

/** One destination of a route, ready to take connections. */
export interface DestinationRuntime {
  readonly destination: Destination;
  readonly counter: DestinationCounter;
  /** Aligned with `destination.endpoints`. */
  readonly endpoints: readonly EndpointState[];
  readonly picker: EndpointPicker;
  /** Skips ejected endpoints (pre-bound; no allocation per connection). */
  readonly skipEjected: Skip;
  /** min(endpoints with a weight, MAX_CONNECT_ATTEMPTS). */
  readonly maxAttempts: number;
  /** The destination's id in the listener's observed ring. */
  readonly observedId: number;
}

/** One listener's route, ready to take connections. */
export interface ListenerRuntime {
  readonly listener: Listener;
  readonly destinations: readonly DestinationRuntime[];
  /** Smooth weighted round robin over the destinations' weights. */
  readonly picker: SmoothWeightedPicker;
  /** With `connections.stickiness: sourceIP`: the pick by client address hash (used instead of `picker`). */
  readonly sticky: StickyPicker | null;
  /** True when a connection's client address hash is needed (sticky subsets or a SOURCE_IP_HASH destination). */
  readonly hashes: boolean;
  /** The destinations given to the listener's last new connections (kept across tables). */
  readonly observed: ObservedRing;
}

/**
 * One listening socket and the entries it serves: a TCP socket has one; a TLS passthrough socket
 * one per SNI route plus at most a fallback, picked from the ClientHello.
 */
export interface SocketRuntime {
  /** `socketOf(listener)`. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  /** Connections start with a PROXY header (read and removed). */
  readonly acceptProxy: boolean;
  /** The entry is picked by SNI (null: a TCP socket, every connection takes `entry`). */
  readonly sni: SniTable<ListenerRuntime> | null;
  /** The entry of a TCP socket; the fallback of a TLS one (null when it has none). */
  readonly entry: ListenerRuntime | null;
}

/** Makes a listener's subset picker (the data-plane workers share one sequence per listener); throws RangeError on bad weights. */
export type RoutePickerFactory = (listener: Listener, weights: readonly number[]) => SmoothWeightedPicker;

/** Everything a connection needs, for one table. */
export interface TableRuntime {
  readonly table: RoutingTable;
  /** By entry key (`Listener.key`). */
  readonly listeners: ReadonlyMap<string, ListenerRuntime>;
  /** By socket key: what the proxy binds. */
  readonly sockets: ReadonlyMap<string, SocketRuntime>;
}

export const EMPTY_RUNTIME: TableRuntime = Object.freeze({
  table: Object.freeze({ listeners: Object.freeze([]) }),
  listeners: new Map<string, ListenerRuntime>(),
  sockets: new Map<string, SocketRuntime>(),
});

/**
 * Builds the runtime of `table`; throws ApplyError when a listener's route cannot be served. A listener
 * that is the very object `prev` served (the build worker keeps unchanged listeners' identity) keeps its
 * runtime: its picker goes on where it was (80/20 stays exactly 8 and 2 in every 10 across the swap).
 */
export function buildRuntime(table: RoutingTable, counters: Counters, rng: Rng = Math.random, prev?: TableRuntime, routePicker?: RoutePickerFactory): TableRuntime {
  const listeners = new Map<string, ListenerRuntime>();
  for (const l of table.listeners) {
    if (listeners.has(l.key)) throw new ApplyError(`listener ${l.key} appears twice in the table`, l.address, l.port);
    const kept = prev?.listeners.get(l.key);
    if (kept !== undefined && kept.listener === l) {
      listeners.set(l.key, kept);
      continue;
    }
    const destinations = l.route.destinations.map((d) => buildDestination(l, d, counters, rng));
    let picker: SmoothWeightedPicker;
    try {
      const weights = l.route.destinations.map((d) => d.weight);
      picker = routePicker !== undefined ? routePicker(l, weights) : new SmoothWeightedPicker(weights);
    } catch (err) {
      throw new ApplyError(`listener ${l.key}: route weights: ${(err as Error).message}`, l.address, l.port);
    }
    const sticky = l.route.connections?.stickiness === 'sourceIP'
      ? new StickyPicker(l.route.destinations.map((d) => d.key), l.route.destinations.map((d) => d.weight))
      : null;
    const hashes = sticky !== null || l.route.destinations.some((d) => d.policy.loadBalancer === 'SOURCE_IP_HASH');
    listeners.set(l.key, { listener: l, destinations, picker, sticky, hashes, observed: counters.observed.ring(l.key) });
  }
  return { table, listeners, sockets: buildSockets(listeners) };
}

/** The sockets of a table's entries, in first-entry order; throws ApplyError when entries of one socket cannot share it. */
function buildSockets(entries: ReadonlyMap<string, ListenerRuntime>): Map<string, SocketRuntime> {
  const groups = new Map<string, ListenerRuntime[]>();
  for (const lr of entries.values()) {
    const key = socketOf(lr.listener);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [lr]);
    else g.push(lr);
  }
  const sockets = new Map<string, SocketRuntime>();
  for (const [key, group] of groups) {
    const first = group[0]!.listener;
    const tls = group.some((lr) => lr.listener.tls === true);
    const acceptProxy = group.some((lr) => lr.listener.acceptProxyProtocol === true);
    if (!tls) {
      if (group.length > 1) throw new ApplyError(`socket ${key}: ${group.length} TCP listener entries (only TLS entries, picked by SNI, share a socket)`, first.address, first.port);
      sockets.set(key, { key, address: first.address, port: first.port, acceptProxy, sni: null, entry: group[0]! });
      continue;
    }
    // The fallback entry is keyed by the socket key itself, so there is at most one.
    const fallback = group.find((lr) => lr.listener.sni === undefined || lr.listener.sni.length === 0) ?? null;
    const sni = new SniTable<ListenerRuntime>(fallback);
    for (const lr of group) if (lr.listener.sni !== undefined) sni.add(lr.listener.sni, lr);
    sockets.set(key, { key, address: first.address, port: first.port, acceptProxy, sni, entry: fallback });
  }
  return sockets;
}

function buildDestination(l: Listener, d: Destination, counters: Counters, rng: Rng): DestinationRuntime {
  const weights = d.endpoints.map((e) => e.weight);
  const usable = weights.filter((w) => w > 0).length;
  if (d.weight > 0 && usable === 0) {
    throw new ApplyError(`listener ${l.key}: destination ${d.key} has weight ${d.weight} but no endpoint with a weight`, l.address, l.port);
  }
  const endpoints = d.endpoints.map((e) => counters.endpoint(e));
  let picker: EndpointPicker;
  try {
    picker = createEndpointPicker(d.policy.loadBalancer, weights, (i) => endpoints[i]!.active, rng, d.endpoints.map((e) => e.key));
  } catch (err) {
    throw new ApplyError(`listener ${l.key}: destination ${d.key} endpoint weights: ${(err as Error).message}`, l.address, l.port);
  }
  const skipEjected: Skip = (i) => {
    const until = endpoints[i]!.ejectedUntil;
    return until !== 0 && isEjected(endpoints[i]!, Date.now());
  };
  return {
    destination: d,
    counter: counters.destination(d),
    endpoints,
    picker,
    skipEjected,
    maxAttempts: Math.min(usable, MAX_CONNECT_ATTEMPTS),
    observedId: counters.observed.id(d.key),
  };
}

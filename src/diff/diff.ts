/** Desired vs applied routing table → the list of changes applying it makes. Pure. */
import type { Destination, Endpoint, Listener, Policy, RoutingTable } from '../model/types';
import {
  CHANGE_ORDER, type Change, type DestinationRef, type EndpointsChanged, type PolicyChanged,
  type PolicyField, type PolicyFieldChange, type RouteChanged, type WeightDelta,
} from './types';

/** Every policy field, in the order changes are reported (a Record so a new Policy field must be listed). */
const POLICY_FIELDS: readonly PolicyField[] = Object.keys({
  loadBalancer: 1, connectTimeoutMs: 1, idleTimeoutMs: 1, maxConnectionDurationMs: 1, maxConnections: 1, tcpKeepalive: 1, outlierDetection: 1, proxyProtocol: 1,
} satisfies Record<PolicyField, 1>) as PolicyField[];

/**
 * Returns what applying `desired` over `applied` changes (null `applied` = nothing served yet);
 * [] when the tables are equal. Ordered by listener (address, then port), then by `CHANGE_ORDER`.
 * Destination order within a route and the metric labels (`service`, `version`) are not compared.
 */
export function diff(applied: RoutingTable | null, desired: RoutingTable): Change[] {
  const before = byKey(applied?.listeners ?? []);
  const after = byKey(desired.listeners);
  const listeners = [...new Map([...before, ...after]).values()].sort(compareListeners);
  const changes: Change[] = [];
  for (const l of listeners) {
    const old = before.get(l.key);
    const now = after.get(l.key);
    if (old && !now) changes.push({ type: 'listener-removed', listener: l.key, gateway: old.gateway });
    else if (!old && now) changes.push(listenerAdded(now));
    else if (old && now) changes.push(...listenerChanges(old, now));
  }
  return changes;
}

function byKey(listeners: readonly Listener[]): Map<string, Listener> {
  return new Map(listeners.map((l) => [l.key, l]));
}

function compareListeners(a: Listener, b: Listener): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function ref(d: Destination): DestinationRef {
  return { key: d.key, host: d.host, subset: d.subset, port: d.port };
}

function listenerAdded(l: Listener): Change {
  return {
    type: 'listener-added', listener: l.key, gateway: l.gateway, portName: l.portName,
    virtualService: l.route.virtualService, rule: l.route.rule,
    destinations: l.route.destinations.map((d) => ({ ...ref(d), weight: d.weight, percent: d.percent })),
    ...(l.tls ? { tls: true as const } : {}),
    ...(l.route.section ? { section: l.route.section } : {}),
    ...(l.sni ? { sni: l.sni } : {}),
    ...(l.acceptProxyProtocol ? { acceptProxyProtocol: true as const } : {}),
  };
}

/** Changes of one listener present in both tables, in `CHANGE_ORDER`. */
function listenerChanges(old: Listener, now: Listener): Change[] {
  const out: Change[] = [];
  const o = old.route;
  const n = now.route;
  const conns = { old: connectionsText(o.connections), new: connectionsText(n.connections) };
  const tls = tlsDeltas(old, now);
  if (o.virtualService !== n.virtualService || o.rule !== n.rule || old.gateway !== now.gateway || old.portName !== now.portName || conns.old !== conns.new || Object.keys(tls).length > 0) {
    out.push({
      type: 'route-changed', listener: now.key,
      virtualService: { old: o.virtualService, new: n.virtualService },
      rule: { old: o.rule, new: n.rule },
      gateway: { old: old.gateway, new: now.gateway },
      portName: { old: old.portName, new: now.portName },
      ...(conns.old !== conns.new ? { connections: conns } : {}),
      ...tls,
    });
  }
  const weights = weightDeltas(o.destinations, n.destinations);
  if (weights.length > 0) out.push({ type: 'weights-changed', listener: now.key, destinations: weights });
  const oldDest = byKeyLookup(o.destinations);
  for (const d of n.destinations) {
    const prev = oldDest(d.key);
    if (!prev) continue;
    const eps = endpointChanges(now.key, prev, d);
    if (eps) out.push(eps);
    const pol = policyChanges(now.key, prev, d);
    if (pol) out.push(pol);
  }
  return out.sort((a, b) => CHANGE_ORDER.indexOf(a.type) - CHANGE_ORDER.indexOf(b.type));
}

/** The TLS-passthrough and PROXY-protocol fields of an entry that differ (the rule's list, SNI names, the socket's flags). */
function tlsDeltas(old: Listener, now: Listener): Pick<RouteChanged, 'section' | 'sni' | 'tls' | 'acceptProxyProtocol'> {
  const section = { old: old.route.section ?? 'tcp', new: now.route.section ?? 'tcp' } as const;
  const sni = { old: (old.sni ?? []).join(','), new: (now.sni ?? []).join(',') };
  const tls = { old: old.tls === true, new: now.tls === true };
  const accept = { old: old.acceptProxyProtocol === true, new: now.acceptProxyProtocol === true };
  return {
    ...(section.old !== section.new ? { section } : {}),
    ...(sni.old !== sni.new ? { sni } : {}),
    ...(tls.old !== tls.new ? { tls } : {}),
    ...(accept.old !== accept.new ? { acceptProxyProtocol: accept } : {}),
  };
}

function weightDeltas(old: readonly Destination[], now: readonly Destination[]): WeightDelta[] {
  const out: WeightDelta[] = [];
  const before = byKeyLookup(old);
  const after = byKeyLookup(now);
  for (const d of now) {
    const prev = before(d.key);
    if (prev && prev.weight === d.weight && prev.percent === d.percent) continue;
    out.push(weightDelta(d, prev ? 'changed' : 'added', prev?.percent ?? 0, d.percent, prev?.weight ?? 0, d.weight));
  }
  for (const d of old) {
    if (after(d.key)) continue;
    out.push(weightDelta(d, 'removed', d.percent, 0, d.weight, 0));
  }
  return out;
}

function weightDelta(d: Destination, change: WeightDelta['change'], oldPercent: number, newPercent: number, oldWeight: number, newWeight: number): WeightDelta {
  return { key: d.key, host: d.host, subset: d.subset, port: d.port, change, oldPercent, newPercent, oldWeight, newWeight };
}

function endpointChanges(listener: string, old: Destination, now: Destination): EndpointsChanged | null {
  const before = byKeyLookup(old.endpoints);
  const after = byKeyLookup(now.endpoints);
  const added: string[] = [];
  const changed: string[] = [];
  for (const e of now.endpoints) {
    const prev = before(e.key);
    if (!prev) added.push(e.key);
    else if (!sameEndpoint(prev, e)) changed.push(e.key);
  }
  const removed = old.endpoints.filter((e) => !after(e.key)).map((e) => e.key);
  if (added.length + removed.length + changed.length === 0) return null;
  return { type: 'endpoints-changed', listener, destination: ref(now), added, removed, changed };
}

/**
 * Lookup by `key`: a scan for the handful of destinations or endpoints a route usually has (cheaper
 * than building a Map for each of a thousand listeners), a Map beyond that.
 */
function byKeyLookup<T extends { readonly key: string }>(items: readonly T[]): (key: string) => T | undefined {
  if (items.length <= 8) return (key) => items.find((i) => i.key === key);
  const map = new Map(items.map((i) => [i.key, i]));
  return (key) => map.get(key);
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port && a.weight === b.weight && sameData(a.labels, b.labels);
}

function policyChanges(listener: string, old: Destination, now: Destination): PolicyChanged | null {
  const fields: PolicyFieldChange[] = [];
  for (const field of POLICY_FIELDS) {
    const a: Policy[PolicyField] = old.policy[field];
    const b: Policy[PolicyField] = now.policy[field];
    if (!sameData(a, b)) fields.push({ field, old: a, new: b });
  }
  return fields.length === 0 ? null : { type: 'policy-changed', listener, destination: ref(now), fields };
}

/** Structural equality of JSON-like data (key order ignored). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameData(ra[k], rb[k]));
}

/** One line for a route's connection policy (what governs its open connections), `none` without one. */
function connectionsText(c: Listener['route']['connections']): string {
  if (c === undefined) return 'none';
  const parts = [c.rebalance ? `rebalance ${c.maxClosesPerSecond}/s idle ${c.closeWhenIdleForMs}ms drainAfter ${c.drainAfterMs}ms` : 'no rebalance'];
  if (c.stickiness !== 'none') parts.push(`sticky ${c.stickiness}`);
  return parts.join(', ');
}

/** Hand-built, deep-frozen RoutingTables for diff tests (the walkthrough's tcp-echo shapes by default). */
import { hostPort } from '../../src/model/address';
import { deepFreeze } from '../../src/model/freeze';
import { DEFAULT_POLICY, type Destination, type Endpoint, type Listener, type Policy, type RoutingTable } from '../../src/model/types';


/** An endpoint `address:port` with weight 1 and the given labels. */
export function ep(address: string, port: number, labels: Record<string, string> = {}, weight = 1): Endpoint {
  return { key: hostPort(address, port), address, port, weight, labels };
}

export interface DestSpec {
  readonly host?: string;
  /** Default `v1`; null = whole service. */
  readonly subset?: string | null;
  readonly port?: number;
  readonly weight?: number;
  readonly endpoints?: readonly Endpoint[];
  readonly policy?: Partial<Policy>;
}

/** Default endpoint of a tcp-echo subset: v1 on 9000, v2 on 9001, v3 on 9002. */
export function subsetEndpoint(subset: string | null): Endpoint {
  const n = subset === null ? 0 : Math.max(0, Number(subset.replace(/\D/g, '')) - 1);
  return ep('127.0.0.1', 9000 + n, { app: 'tcp-echo', ...(subset ? { version: subset } : {}) });
}

/** Destinations with percents computed from weights (rounded to 2 decimals, as the compiler does). */
export function dests(specs: readonly DestSpec[]): Destination[] {
  const weights = specs.map((s) => s.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  return specs.map((s, i) => {
    const host = s.host ?? 'tcp-echo';
    const subset = s.subset === undefined ? 'v1' : s.subset;
    const port = s.port ?? 9000;
    const weight = weights[i] ?? 1;
    return {
      key: `${host}|${subset ?? ''}|${port}`, host, subset, port, weight,
      percent: total === 0 ? 0 : Math.round((weight / total) * 10_000) / 100,
      service: host, version: subset ?? 'unknown',
      policy: { ...DEFAULT_POLICY, ...s.policy },
      endpoints: s.endpoints ?? [subsetEndpoint(subset)],
    };
  });
}

export interface ListenerSpec {
  readonly address?: string;
  readonly port?: number;
  readonly gateway?: string;
  readonly portName?: string;
  readonly virtualService?: string;
  readonly rule?: number;
  readonly destinations?: readonly DestSpec[];
}

/** A listener, by default 0.0.0.0:31400 of default/tcp-echo-gateway routed by default/tcp-echo tcp[0] to v1. */
export function listener(s: ListenerSpec = {}): Listener {
  const address = s.address ?? '0.0.0.0';
  const port = s.port ?? 31400;
  return {
    key: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`, address, port,
    gateway: s.gateway ?? 'default/tcp-echo-gateway', portName: s.portName ?? 'tcp',
    route: { virtualService: s.virtualService ?? 'default/tcp-echo', rule: s.rule ?? 0, destinations: dests(s.destinations ?? [{}]) },
  };
}

/** A deep-frozen table of the given listeners (sorted by key, as compiled). */
export function table(...specs: readonly ListenerSpec[]): RoutingTable {
  const listeners = specs.map(listener).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return deepFreeze({ listeners });
}

/** The walkthrough: one listener on 31400 splitting tcp-echo between v1 and v2 by the given weights. */
export function echoSplit(v1: number, v2: number, extra: Partial<ListenerSpec> = {}): RoutingTable {
  return table({ ...extra, destinations: [{ subset: 'v1', weight: v1 }, { subset: 'v2', weight: v2 }] });
}

/** Hand-built tables with TLS passthrough sockets (several entries per socket) and PROXY protocol settings. */
import { entryKey } from '../../src/model/address';
import { deepFreeze } from '../../src/model/freeze';
import type { Listener, Policy, RoutingTable } from '../../src/model/types';
import { tableOf, type DestinationSpec } from './table';

/** One entry of a socket: its SNI names (none: the fallback) and its destinations. */
export interface EntrySpec {
  readonly sni?: readonly string[];
  readonly destinations: readonly DestinationSpec[];
}

/** The listeners of one socket on 127.0.0.1:`port`: TLS entries when `tls`, with `acceptProxyProtocol` on each when asked. */
export function socketEntries(port: number, entries: readonly EntrySpec[], opts: { tls?: boolean; acceptProxyProtocol?: boolean } = {}): Listener[] {
  return entries.map((e, i) => {
    const base = tableOf({ listeners: [{ port, rule: i, destinations: e.destinations }] }).listeners[0]!;
    return {
      ...base,
      key: entryKey(base.address, port, e.sni),
      route: { ...base.route },
      ...(e.sni !== undefined ? { sni: e.sni } : {}),
      ...(opts.tls === true ? { tls: true as const } : {}),
      ...(opts.acceptProxyProtocol === true ? { acceptProxyProtocol: true as const } : {}),
    };
  });
}

/** A frozen table of `listeners`. */
export function tableFrom(...listeners: Listener[][]): RoutingTable {
  return deepFreeze({ listeners: listeners.flat() });
}

/** A destination `subset` of one endpoint on `port`. */
export function to(port: number, subset = 'v1', policy: Partial<Policy> = {}, weight = 1): DestinationSpec {
  return { subset, weight, policy, endpoints: [{ port }] };
}
